"""`copydesk dedup`: a corpus you already have, merged into stories by the crawl's rules."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.corpus import Document, assign_stories
from tests.conftest import STORIES, story_text

COPYDESK = [sys.executable, "-c", "from crawler.cli import main; main()"]


def corpus_rows() -> list[dict[str, str]]:
    """Each sample story whole, and its first three paragraphs as a partial copy; the two
    same-event budget stories must stay apart."""
    rows = []
    for story in STORIES["stories"]:
        rows.append({"doc": f"{story['id']}-full", "body": story_text(story["id"]),
                     "when": "2026-03-01", "link": f"https://origin.example/{story['id']}"})
        rows.append({"doc": f"{story['id']}-part", "body": "\n".join(story["paragraphs"][:3]),
                     "when": "2026-03-02", "link": f"https://copies.example/{story['id']}"})
    return rows


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COPYDESK, "dedup", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_dedup_writes_the_rows_with_their_stories(tmp_path: Path, suffix: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in corpus_rows()))
    result = run(str(source), "-o", f"out{suffix}", "--id-field", "doc", "--text-field", "body",
                 "--url-field", "link", "--published-field", "when", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    stories = len(STORIES["stories"])
    assert result.stderr.strip().startswith(
        f"{2 * stories} documents, {stories} stories, {stories} duplicates")
    output = tmp_path / f"out{suffix}"
    if suffix == ".jsonl":
        rows = [json.loads(line) for line in output.read_text().splitlines()]
    elif suffix == ".csv":
        with output.open(newline="") as file:
            rows = list(csv.DictReader(file))
    else:
        import pyarrow.parquet as pq

        rows = pq.read_table(output).to_pylist()
    assert list(rows[0]) == ["doc", "body", "when", "link", "story_id", "canonical_id", "similarity"]
    by_id = {r["doc"]: r for r in rows}
    for story in STORIES["stories"]:
        full, part = by_id[f"{story['id']}-full"], by_id[f"{story['id']}-part"]
        assert full["story_id"] == part["story_id"]
        assert full["canonical_id"] == part["canonical_id"] == f"{story['id']}-full"  # earliest
        assert float(part["similarity"]) == 1.0  # all of the part is in the original
    assert by_id["budget-herald-full"]["story_id"] != by_id["budget-tribune-full"]["story_id"]


def test_a_corpus_read_through_csv_and_parquet_round_trips(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    with source.open("w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=["id", "text"])
        writer.writeheader()
        writer.writerows({"id": r["doc"], "text": r["body"]} for r in corpus_rows())
    assert run(str(source), "-o", "out.parquet", cwd=tmp_path).returncode == 0
    again = run("out.parquet", "-o", "again.jsonl", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    rows = [json.loads(line) for line in (tmp_path / "again.jsonl").read_text().splitlines()]
    assert len({r["story_id"] for r in rows}) == len(STORIES["stories"])


@pytest.mark.parametrize(("content", "args", "message"), [
    ('{"id": 1, "text": "a"}\nnot json\n', [], "error: {path}:2: not JSON"),
    ('{"id": 1, "body": "a"}\n', [], "error: row 1 has no text in field 'text'"),
    ('{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', [], "error: {path}: document id '1' appears twice"),
    ('{"id": 1, "text": "a"}\n', ["-o", "out.xlsx"], "error: out.xlsx: unknown format"),
])
def test_bad_input_is_a_one_line_error(tmp_path: Path, content: str, args: list[str], message: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(content)
    result = run(str(source), *(args or ["-o", "out.jsonl"]), cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(message.format(path=source)), line


def test_the_library_function_merges_a_list_of_texts() -> None:
    text = story_text("bridge")
    stories = assign_stories([Document("a", text), Document("b", text.upper()),
                              Document("c", story_text("quake"))])
    assert stories[0].story_id == stories[1].story_id != stories[2].story_id
    assert [s.canonical_id for s in stories] == ["a", "a", "c"]

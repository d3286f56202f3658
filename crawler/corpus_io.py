"""Rows of a corpus file in and out: JSON Lines, CSV or Parquet, chosen by the suffix."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crawler.safe_text import escape_json

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv",
           ".parquet": "parquet"}


class CorpusError(ValueError):
    """A corpus file that cannot be read or written; the message names the file."""


def format_of(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    form = FORMATS.get(suffixes[-1] if suffixes else "")
    if form is None:
        raise CorpusError(f"{path}: unknown format (use .jsonl, .csv or .parquet)")
    return form


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a corpus file, in order.

    Raises:
        CorpusError: naming the file, and the line for a malformed JSON line.
    """
    form = format_of(path)
    try:
        if form == "parquet":
            yield from _parquet().read_table(path).to_pylist()
            return
        with path.open(encoding="utf-8", newline="") as file:
            if form == "csv":
                csv.field_size_limit(sys.maxsize)
                yield from csv.DictReader(file)
                return
            for number, line in enumerate(file, 1):
                if line.strip():
                    row = json.loads(line)
                    if not isinstance(row, dict):
                        raise CorpusError(f"{path}:{number}: not a JSON object")
                    yield row
    except json.JSONDecodeError as exc:
        raise CorpusError(f"{path}:{number}: not JSON ({exc.msg})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CorpusError(f"cannot read {path}: {exc}") from None


def write_rows(path: Path, rows: list[dict[str, Any]], fields: list[str]) -> None:
    """Write rows with the given columns (JSON Lines keeps each row's own keys in order)."""
    form = format_of(path)
    try:
        if form == "parquet":
            pyarrow = _parquet()
            import pyarrow as pa

            pyarrow.write_table(pa.Table.from_pylist(rows), path)
            return
        with path.open("w", encoding="utf-8", newline="") as file:
            if form == "csv":
                writer = csv.DictWriter(file, fieldnames=fields, extrasaction="ignore")
                writer.writeheader()
                writer.writerows(rows)
                return
            for row in rows:
                file.write(escape_json(json.dumps(row, ensure_ascii=False)) + "\n")
    except OSError as exc:
        raise CorpusError(f"cannot write {path}: {exc}") from None


def _parquet() -> Any:
    try:
        import pyarrow.parquet
    except ImportError:
        raise CorpusError("Parquet needs pyarrow: pip install 'copydesk[parquet]'") from None
    return pyarrow.parquet

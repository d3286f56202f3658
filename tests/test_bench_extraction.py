"""bench/extraction.py on a two-page set in the scrapinghub layout with page types."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
TYPES = ROOT / "tests" / "fixtures" / "pages" / "types"


def test_page_types_and_metadata_are_reported(tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    truth = {
        "a": {"url": "http://harbourgazette.test/local/2026/03/14/council-approves-flood-barriers",
              "articleBody": "\n".join(
                  p.text_content() for p in lxml.html.parse(str(TYPES / "article.html")).iter("p")
                  if p.get("class") != "byline"),
              "page_type": "article", "title": "Council approves new flood barriers for the harbour",
              "author": "Mira Holt", "published": "2026-03-14"},
        "p": {"url": "http://summit.test/p/trailmax-40l-hiking-backpack", "articleBody": "x",
              "page_type": "product", "title": None, "author": None, "published": None},
    }
    for key, name in (("a", "article.html"), ("p", "product.html")):
        (tmp_path / "html" / f"{key}.html.gz").write_bytes(gzip.compress((TYPES / name).read_bytes()))
    (tmp_path / "ground-truth.json").write_text(json.dumps(truth))
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "extraction.py"), "--data", str(tmp_path)],
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout.splitlines()[-1])
    assert figures["article_kept"] == 1.0
    assert figures["nonarticle_emitted"] == 0.0 and figures["nonarticle_emitted_product"] == 0.0
    assert figures["baseline_nonarticle_emitted"] == 1.0  # trafilatura has no page types
    assert figures["title_acc"] == 1.0 and figures["date_acc"] == 1.0
    assert figures["f1"] > 0.9
    for key in ("ms_per_page", "time_ratio", "author_acc", "baseline_f1", "baseline_title_acc",
                "baseline_author_acc", "baseline_date_acc"):
        assert key in figures

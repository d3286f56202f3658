"""Extraction quality and speed: Copydesk's extraction stage beside trafilatura's defaults.

    python bench/extraction.py --data ../shared/bench/extraction/scrapinghub
    python bench/extraction.py --synd ../shared/bench/synd-dev

--data DIR: html/<id>.html.gz and ground-truth.json ({id: {"articleBody", "url"}}).
--synd DIR: a synd web (sites/, labels.json); scores article pages by site kind.
Prints a table, then one JSON object as the last line (keys f1, precision, recall,
ms_per_page, n_pages, and per-group figures).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura

from pipelines.extraction import ArticleExtractor, Extraction, ExtractionOptions

Case = tuple[str, str, str, str]  # (group, url, html, true text)


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.lower()))


def score(predicted: str, truth: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall and F1 of one page."""
    pred, true = tokens(predicted), tokens(truth)
    common = sum((pred & true).values())
    precision = common / sum(pred.values()) if pred else 0.0
    recall = common / sum(true.values()) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return precision, recall, f1


def scrapinghub_cases(data: Path) -> Iterator[Case]:
    truth = json.loads((data / "ground-truth.json").read_text())
    for item_id, item in sorted(truth.items()):
        html = gzip.decompress((data / "html" / f"{item_id}.html.gz").read_bytes())
        yield "all", item["url"], html.decode("utf-8", "replace"), item["articleBody"]


def synd_cases(web: Path) -> Iterator[Case]:
    labels = json.loads((web / "labels.json").read_text())["pages"]
    for url, label in sorted(labels.items()):
        if label["kind"] != "article":
            continue
        host, _, path = url.split("://", 1)[1].partition("/")
        file = web / "sites" / host / path.split("?")[0]
        if not path or path.endswith("/"):
            file = file / "index.html"
        group = "aggregator" if label["site_kind"] == "aggregator" else "publisher"
        yield group, url, file.read_text("utf-8"), label["text"]


def ours() -> Callable[[str, str], str]:
    extractor = ArticleExtractor(ExtractionOptions())

    def run(html: str, url: str) -> str:
        result = extractor.extract(html, url)
        return result.text if isinstance(result, Extraction) else ""

    return run


def trafilatura_default(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def measure(cases: list[Case], extract: Callable[[str, str], str]) -> dict[str, object]:
    per_group: dict[str, list[tuple[float, float, float]]] = {}
    times = []
    for group, url, html, truth in cases:
        start = time.perf_counter()
        text = extract(html, url)
        times.append((time.perf_counter() - start) * 1000)
        per_group.setdefault(group, []).append(score(text, truth))
    rows = [s for scores in per_group.values() for s in scores]
    result: dict[str, object] = {
        "f1": round(statistics.fmean(r[2] for r in rows), 4),
        "precision": round(statistics.fmean(r[0] for r in rows), 4),
        "recall": round(statistics.fmean(r[1] for r in rows), 4),
        "ms_per_page": round(statistics.median(times), 2),
        "n_pages": len(rows),
    }
    if len(per_group) > 1:
        for group, scores in sorted(per_group.items()):
            result[f"f1_{group}"] = round(statistics.fmean(s[2] for s in scores), 4)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="scrapinghub-format directory")
    source.add_argument("--synd", type=Path, help="synd web directory with labels.json")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N pages")
    args = parser.parse_args()
    try:
        cases = list(scrapinghub_cases(args.data) if args.data else synd_cases(args.synd))
    except (OSError, KeyError, ValueError) as exc:
        parser.exit(2, f"error: cannot read benchmark data: {exc}\n")
    if args.limit:
        cases = cases[: args.limit]
    baseline = measure(cases, trafilatura_default)
    result = measure(cases, ours())
    for name, figures in (("trafilatura default", baseline), ("copydesk", result)):
        print(f"{name:20} " + "  ".join(f"{k}={v}" for k, v in figures.items()))
    result["baseline_f1"] = baseline["f1"]
    result["baseline_ms_per_page"] = baseline["ms_per_page"]
    result["time_ratio"] = round(float(result["ms_per_page"]) / float(baseline["ms_per_page"]), 2)  # type: ignore[arg-type]
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Extraction quality and speed: Copydesk's extraction stage beside trafilatura's defaults.

    python bench/extraction.py --data ../shared/bench/extraction/scrapinghub
    python bench/extraction.py --data ../shared/bench/extraction/wcxb-dev
    python bench/extraction.py --synd ../shared/bench/synd-dev

--data DIR: html/<id>.html.gz and ground-truth.json ({id: {"articleBody", "url"}}, optionally
"page_type", "title", "author", "published"). --synd DIR: a synd web (sites/, labels.json):
its article pages by site kind, and its listing/other pages as non-articles.

Main text: bag-of-tokens F1 per page, averaged over article pages (a dropped article scores 0).
Page typing, when the truth has page types: `article_kept` (share of article pages kept) and
`nonarticle_emitted` (share of other pages passed as articles), overall and per type;
trafilatura has no page type, so its figure is the share of pages it returns text for.
Metadata, on article pages whose truth has the field: title (same text, case and spacing
aside), author (the same names), date (the same calendar day).

Prints a table, then one JSON object as the last line: f1, precision, recall, ms_per_page,
time_ratio, n_pages, article_kept, nonarticle_emitted, title_acc, author_acc, date_acc,
per-group and per-type figures, and trafilatura's as baseline_*.
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
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura
from trafilatura.settings import Document

from pipelines.extraction import ArticleExtractor, Extraction, ExtractionOptions


@dataclass(frozen=True)
class Case:
    group: str  # "article" or another page type; a synd web: "aggregator"/"publisher"/...
    url: str
    html: str
    text: str  # the true main text
    is_article: bool
    title: str | None = None
    author: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class Output:
    """What an extractor made of one page; `kept` False when it passed no article."""

    kept: bool
    text: str = ""
    title: str | None = None
    author: str | None = None
    published: str | None = None


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


def same_title(predicted: str | None, truth: str) -> bool:
    return predicted is not None and _words(predicted) == _words(truth)


def same_author(predicted: str | None, truth: str) -> bool:
    def names(value: str) -> set[str]:
        return {_words(n) for n in re.split(r",|;|&|\band\b", value, flags=re.IGNORECASE) if n.strip()}
    return predicted is not None and names(predicted) == names(truth)


def same_day(predicted: str | None, truth: str) -> bool:
    return predicted is not None and predicted.strip()[:10] == truth.strip()[:10]


def _words(text: str) -> str:
    return " ".join(text.casefold().split())


def dataset_cases(data: Path) -> Iterator[Case]:
    truth = json.loads((data / "ground-truth.json").read_text())
    for item_id, item in sorted(truth.items()):
        html = gzip.decompress((data / "html" / f"{item_id}.html.gz").read_bytes())
        page_type = item.get("page_type") or "article"
        yield Case(page_type, item["url"], html.decode("utf-8", "replace"), item["articleBody"],
                   page_type == "article", item.get("title"), item.get("author"),
                   item.get("published"))


def synd_cases(web: Path) -> Iterator[Case]:
    labels = json.loads((web / "labels.json").read_text())["pages"]
    for url, label in sorted(labels.items()):
        host, _, path = url.split("://", 1)[1].partition("/")
        file = web / "sites" / host / path.split("?")[0]
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file() or file.suffix in (".xml", ".txt", ".rss", ".atom"):
            continue  # feeds, sitemaps, robots.txt: not pages
        if label["kind"] == "article":
            group = "aggregator" if label["site_kind"] == "aggregator" else "publisher"
            yield Case(group, url, file.read_text("utf-8"), label["text"], True,
                       label.get("title"), None, None)
        else:
            yield Case(label["kind"], url, file.read_text("utf-8"), "", False)


def ours() -> Callable[[str, str], Output]:
    extractor = ArticleExtractor(ExtractionOptions())

    def run(html: str, url: str) -> Output:
        result = extractor.extract(html, url)
        if not isinstance(result, Extraction):
            return Output(False)
        return Output(True, result.text, result.title, result.author, result.published)

    return run


def trafilatura_default(html: str, url: str) -> Output:
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if not isinstance(document, Document) or not document.text:
        return Output(False)
    return Output(True, document.text, document.title, document.author, document.date)


def measure(cases: list[Case], extract: Callable[[str, str], Output]) -> dict[str, object]:
    per_group: dict[str, list[tuple[float, float, float]]] = {}
    kept: dict[str, list[bool]] = {}
    fields: dict[str, list[bool]] = {"title": [], "author": [], "date": []}
    times = []
    for case in cases:
        start = time.perf_counter()
        output = extract(case.html, case.url)
        times.append((time.perf_counter() - start) * 1000)
        kept.setdefault(case.group, []).append(output.kept)
        if not case.is_article:
            continue
        per_group.setdefault(case.group, []).append(score(output.text, case.text))
        for name, truth, check, predicted in (
            ("title", case.title, same_title, output.title),
            ("author", case.author, same_author, output.author),
            ("date", case.published, same_day, output.published),
        ):
            if truth:
                fields[name].append(check(predicted, truth))
    rows = [s for scores in per_group.values() for s in scores]
    result: dict[str, object] = {
        "f1": round(statistics.fmean(r[2] for r in rows), 4),
        "precision": round(statistics.fmean(r[0] for r in rows), 4),
        "recall": round(statistics.fmean(r[1] for r in rows), 4),
        "ms_per_page": round(statistics.median(times), 2),
        "n_pages": len(cases),
    }
    if len(per_group) > 1:
        for group, scores in sorted(per_group.items()):
            result[f"f1_{group}"] = round(statistics.fmean(s[2] for s in scores), 4)
    articles = [k for case_kept, group in ((kept[g], g) for g in kept)
                for k in case_kept if group in per_group]
    others = {g: k for g, k in kept.items() if g not in per_group}
    result["article_kept"] = round(statistics.fmean(articles), 4)
    if others:
        result["nonarticle_emitted"] = round(
            statistics.fmean(k for group in others.values() for k in group), 4)
        for group, group_kept in sorted(others.items()):
            result[f"nonarticle_emitted_{group}"] = round(statistics.fmean(group_kept), 4)
    for name, checks in fields.items():
        if checks:
            result[f"{name}_acc"] = round(statistics.fmean(checks), 4)
            result[f"n_{name}"] = len(checks)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path, help="scrapinghub-format directory")
    source.add_argument("--synd", type=Path, help="synd web directory with labels.json")
    parser.add_argument("--limit", type=int, default=0, help="score only the first N pages")
    args = parser.parse_args()
    try:
        cases = list(dataset_cases(args.data) if args.data else synd_cases(args.synd))
    except (OSError, KeyError, ValueError) as exc:
        parser.exit(2, f"error: cannot read benchmark data: {exc}\n")
    if args.limit:
        cases = cases[: args.limit]
    baseline = measure(cases, trafilatura_default)
    result = measure(cases, ours())
    for name, figures in (("trafilatura default", baseline), ("copydesk", result)):
        print(f"{name:20} " + "  ".join(f"{k}={v}" for k, v in figures.items()))
    for key in ("f1", "ms_per_page", "article_kept", "nonarticle_emitted",
                "title_acc", "author_acc", "date_acc"):
        if key in baseline:
            result[f"baseline_{key}"] = baseline[key]
    result["time_ratio"] = round(float(result["ms_per_page"]) / float(baseline["ms_per_page"]), 2)  # type: ignore[arg-type]
    print(json.dumps(result))


if __name__ == "__main__":
    main()

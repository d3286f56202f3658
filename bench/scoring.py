"""Scores of a crawl's stored articles against a synd web's labels.json (see its README)."""

from __future__ import annotations

import itertools
import re
import statistics
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from extraction import score as text_score


def _pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for members in groups.values()  # type: ignore[misc]
            for p in itertools.combinations(members, 2)}


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


ONE_TEXT_CONTAINMENT = 0.7


def _merged_story_pairs(by_pred: dict[str, list[str]], truth: dict[str, str],
                        pages: dict[str, Any]) -> tuple[int, int]:
    originals = {label["story"]: label["text"] for label in pages.values()
                 if label["kind"] == "article" and label.get("role") == "original"}
    merged = set()
    for members in by_pred.values():
        merged |= set(itertools.combinations(sorted({truth[u] for u in members}), 2))
    one_text = sum(_containment(originals.get(a, ""), originals.get(b, "")) >= ONE_TEXT_CONTAINMENT
                   for a, b in merged)
    return len(merged), one_text


def _containment(a: str, b: str) -> float:
    def shingles(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}
    first, second = shingles(a), shingles(b)
    shorter = min(len(first), len(second))
    return len(first & second) / shorter if shorter else 0.0


def score_crawl(rows: list[dict[str, Any]], labels: dict[str, Any],
                proxy_log: list[dict[str, Any]]) -> dict[str, Any]:
    pages = labels["pages"]
    emitted = {r["url"]: r for r in rows}
    articles = {u: r for u, r in emitted.items() if pages.get(u, {}).get("kind") == "article"}
    truth = {u: pages[u]["story"] for u in articles}
    predicted = {u: r["story_id"] for u, r in articles.items()}
    by_truth: dict[str, list[str]] = defaultdict(list)
    by_pred: dict[str, list[str]] = defaultdict(list)
    for url in articles:
        by_truth[truth[url]].append(url)
        by_pred[predicted[url]].append(url)
    true_pairs, pred_pairs = _pairs(by_truth), _pairs(by_pred)
    correct = len(true_pairs & pred_pairs)
    precision = correct / len(pred_pairs) if pred_pairs else 1.0
    recall = correct / len(true_pairs) if true_pairs else 1.0

    b3p = statistics.fmean(
        sum(truth[v] == truth[u] for v in by_pred[predicted[u]]) / len(by_pred[predicted[u]])
        for u in articles) if articles else 0.0
    b3r = statistics.fmean(
        sum(predicted[v] == predicted[u] for v in by_truth[truth[u]]) / len(by_truth[truth[u]])
        for u in articles) if articles else 0.0

    role_recall: dict[str, list[float]] = defaultdict(list)
    for url in articles:
        mates = [v for v in by_truth[truth[url]] if v != url]
        if mates:
            share = sum(predicted[v] == predicted[url] for v in mates) / len(mates)
            role_recall[pages[url]["role"]].append(share)

    merged_stories, merged_one_text = _merged_story_pairs(by_pred, truth, pages)

    same_event = merged_event = 0
    for a, b in itertools.combinations(sorted(articles), 2):
        if truth[a] != truth[b] and pages[a]["event"] == pages[b]["event"]:
            same_event += 1
            merged_event += predicted[a] == predicted[b]
    briefs = [u for u in articles if pages[u]["role"] == "brief"]
    briefs_merged = sum(
        any(truth[v] != truth[u] for v in by_pred[predicted[u]]) for u in briefs)

    canonical_ok = [r["canonical_url"] == pages[u]["original"] for u, r in articles.items()]
    linked = [u for u in articles if pages[u].get("source_link")]
    source_ok = [articles[u]["source_url"] == pages[u]["source_link"] for u in linked]
    unlinked = [u for u in articles if not pages[u].get("source_link")]
    invented = [u for u in unlinked if articles[u]["source_url"]]

    text_f1: dict[str, list[float]] = defaultdict(list)
    for url, row in articles.items():
        kind = "aggregator" if pages[url]["site_kind"] == "aggregator" else "publisher"
        text_f1[kind].append(text_score(row["text"] or "", pages[url]["text"])[2])

    fetches: dict[str, int] = defaultdict(int)
    robots_violations = 0
    disallow = labels.get("robots_disallow", {})
    for entry in proxy_log:
        parts = urlsplit(entry["url"])
        fetches[entry["url"]] += 1
        prefixes = disallow.get(parts.hostname or "", [])
        target = parts.path + ("?" + parts.query if parts.query else "")
        robots_violations += any(target.startswith(p) for p in prefixes)
    all_articles = [u for u, p in pages.items() if p["kind"] == "article"]
    return {
        "article_coverage": round(len(articles) / len(all_articles), 4),
        "articles_emitted": len(articles),
        "non_article_pages_emitted": len(emitted) - len(articles),
        # By what the labels call them; "unlabelled": a URL the web does not have as a page
        # (an article stored under another form of its URL counts here).
        **{f"non_article_pages_emitted_{kind}": sum(
            pages.get(u, {}).get("kind", "unlabelled") == kind for u in emitted)
           for kind in ("listing", "other", "unlabelled")},
        "pairwise_precision": round(precision, 4),
        "pairwise_recall": round(recall, 4),
        "pairwise_f1": round(_f1(precision, recall), 4),
        "bcubed_f1": round(_f1(b3p, b3r), 4),
        **{f"recall_{role}": round(statistics.fmean(v), 4) for role, v in sorted(role_recall.items())},
        "same_event_false_merge_rate": round(merged_event / same_event, 5) if same_event else 0.0,
        # Pairs of labelled stories grouped as one, and of them those whose originals' texts
        # are mostly one text (the shorter's 3-word shingles 70 % in the other): stories no
        # text comparison can tell apart.
        "merged_story_pairs": merged_stories,
        "merged_story_pairs_one_text": merged_one_text,
        "briefs_merged_share": round(briefs_merged / len(briefs), 4) if briefs else 0.0,
        "canonical_url_accuracy": round(statistics.fmean(canonical_ok), 4) if canonical_ok else 0.0,
        "source_url_accuracy": round(statistics.fmean(source_ok), 4) if source_ok else 0.0,
        "source_url_invented": len(invented),
        "text_f1_aggregator": round(statistics.fmean(text_f1["aggregator"]), 4) if text_f1["aggregator"] else 0.0,
        "text_f1_publisher": round(statistics.fmean(text_f1["publisher"]), 4) if text_f1["publisher"] else 0.0,
        "requests": len(proxy_log),
        "duplicate_fetches": sum(n - 1 for u, n in fetches.items() if n > 1 and not u.endswith("/robots.txt")),
        "robots_violations": robots_violations,
    }

"""Crawl a labelled synd web with the real spider and score the stored result.

    python bench/synd.py [--web ../shared/bench/synd-dev] [--workdir DIR]

The web is served by crawler.sampleweb.server on 127.0.0.1; `scrapy crawl news` runs in a
subprocess from the web's start_urls.txt only (labels.json is read after the crawl, for
scoring). Scores come from the SQLite store the crawl leaves (its final state); `feed_*`
scores from the crawl's JSON Lines feed, read as a consumer keeping each URL's last record.
Prints a report, then one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from pathlib import Path

from crawl_runner import ROOT, crawl_web
from scoring import score_crawl


def crawl(web: Path, workdir: Path, timeout: float) -> tuple[dict[str, object], float]:
    """Run the crawl (also writing the feed, feed.jsonl); return its stats and wall seconds."""
    db, stats_file, feed = workdir / "synd.db", workdir / "stats.json", workdir / "feed.jsonl"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    feeds = json.dumps({str(feed): {"format": "jsonlines", "overwrite": True}})
    seconds = crawl_web(web, db, workdir / "proxy.jsonl", timeout,
                        f"CRAWL_STATS_FILE={stats_file}", f"FEEDS={feeds}")
    return json.loads(stats_file.read_text()), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", type=Path, default=ROOT.parent / "shared/bench/synd-dev")
    parser.add_argument("--workdir", type=Path, help="keep the store, stats and proxy log here")
    parser.add_argument("--timeout", type=float, default=1800, help="crawl time limit (s)")
    args = parser.parse_args()
    if not (args.web / "labels.json").is_file():
        parser.exit(2, f"error: {args.web} has no labels.json\n")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="synd-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    stats, seconds = crawl(args.web, workdir, args.timeout)
    labels = json.loads((args.web / "labels.json").read_text())
    connection = sqlite3.connect(workdir / "synd.db")
    connection.row_factory = sqlite3.Row
    rows = [dict(r) for r in connection.execute("SELECT * FROM articles")]
    proxy_log = [json.loads(line) for line in (workdir / "proxy.jsonl").open()]
    result = score_crawl(rows, labels, proxy_log)
    # The feed as a consumer keeping each URL's last record holds it (score_crawl keys by URL).
    feed_rows = [json.loads(line) for line in (workdir / "feed.jsonl").open()]
    from_feed = score_crawl(feed_rows, labels, proxy_log)
    result["feed_canonical_url_accuracy"] = from_feed["canonical_url_accuracy"]
    result["feed_pairwise_f1"] = from_feed["pairwise_f1"]
    cpu = float(stats.get("cpu_seconds", 0.0))  # type: ignore[arg-type]
    dedup_cpu = float(stats.get("timing/dedup_cpu_s", 0.0))  # type: ignore[arg-type]
    result.update({
        "seconds": round(seconds, 1),
        "pages_per_second": round(int(stats.get("response_received_count", 0)) / seconds, 1),  # type: ignore[call-overload]
        "dedup_cpu_share": round(dedup_cpu / cpu, 4) if cpu else None,
        "extraction_cpu_share": round(float(stats.get("timing/extraction_cpu_s", 0.0)) / cpu, 4) if cpu else None,  # type: ignore[arg-type]
    })
    for key, value in result.items():
        print(f"{key:32} {value}")
    print(f"(store, stats and proxy log in {workdir})")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

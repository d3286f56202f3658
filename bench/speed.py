"""Copydesk against a crawler that only fetches the same pages and runs trafilatura.

    python bench/speed.py [--web ../shared/bench/synd-dev] [--rounds 3] [--big-copies 9]
                          [--big-rounds 1] [--store-pages 100000]

- ABAB: Copydesk's crawl of the web (A), then the baseline (B: bench/baseline_crawler.py,
  Scrapy with the same politeness settings fetching exactly the URLs A fetched, trafilatura
  with metadata on each HTML page), `--rounds` times; CPU per fetched page, pages/s, peak RSS,
  per-stage CPU; ratios as medians over the rounds. The same, `--big-rounds` times, on a
  generated web of `--big-copies` copies of the web (bench/bigweb.py; 9 copies of synd-dev
  are ~11,100 pages): its figures are prefixed "big_".
- Start-up: seconds from `scrapy crawl` starting to its first request, with an empty store
  and with a store of --store-pages indexed pages (synthetic rows, seen today).
- Re-walk: the web crawled twice into one store by a server that sends no validators; the
  second crawl's requests as a share of the first's.

Last line JSON: cpu_ratio, pages_per_s_ratio, dedup_cpu_share, startup_s_empty,
startup_s_100k (for --store-pages pages), rewalk_request_share, big_cpu_ratio,
big_pages_per_s_ratio, big_dedup_cpu_share, and more.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from bigweb import build_big_web
from crawl_runner import ROOT, crawl_web

from crawler.sampleweb.server import SampleWebServer
from crawler.urls import url_key
from pipelines.dedup import DedupOptions, IndexedPage, PageFacts, StoryIndex
from pipelines.storage import StoreIndexBackend, open_store


def project_run(web: Path, workdir: Path, name: str) -> tuple[dict[str, Any], list[str]]:
    store, stats_file, log = workdir / f"{name}.db", workdir / f"{name}.json", workdir / f"{name}.jsonl"
    crawl_web(web, store, log, 1800, f"CRAWL_STATS_FILE={stats_file}")
    stats = json.loads(stats_file.read_text())
    urls = [e["url"] for e in map(json.loads, log.read_text().splitlines())
            if e["method"] == "GET" and not e["url"].endswith("/robots.txt")]
    return stats, urls


def baseline_run(web: Path, urls: list[str], workdir: Path, name: str) -> dict[str, Any]:
    url_file, stats_file = workdir / "urls.txt", workdir / f"{name}.json"
    url_file.write_text("\n".join(urls))
    with SampleWebServer(web) as server:
        subprocess.run([sys.executable, str(ROOT / "bench/baseline_crawler.py"), str(url_file),
                        str(stats_file)], cwd=ROOT, check=True, timeout=1800,
                       env={**os.environ, "http_proxy": server.proxy_url, "no_proxy": ""})
    return json.loads(stats_file.read_text())


def figures(stats: dict[str, Any]) -> dict[str, float]:
    pages = max(int(stats.get("response_received_count", 0)), 1)
    return {"cpu_ms_per_page": 1000 * stats["cpu_seconds"] / pages,
            "pages_per_s": pages / float(stats["elapsed_time_seconds"]),
            "peak_rss_mb": int(stats.get("memusage/max", 0)) / 2**20,
            **{k.split("/")[1].replace("_cpu_s", "_ms_per_page"): 1000 * v / pages
               for k, v in stats.items() if k.startswith("timing/")},
            "dedup_share": stats.get("timing/dedup_cpu_s", 0) / stats["cpu_seconds"]}


def synthetic_store(path: str | Path, pages: int) -> None:
    """A store of `pages` indexed pages (600-word texts' worth of shingles, with the band keys
    the crawl stores), seen today, saved as the crawl saves them."""
    db = open_store(path)
    index = StoryIndex(DedupOptions())
    backend = StoreIndexBackend(db)
    backend.check(DedupOptions().fingerprint(), index.derived_scheme)
    rng = np.random.default_rng(1)
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    for start in range(0, pages, 5000):
        rows = []
        for number in range(start, min(start + 5000, pages)):
            hashes = rng.integers(0, 2**63, size=600, dtype=np.uint64)
            url = f"http://stored{number % 50}.test/story/{number}"
            rows.append(IndexedPage(url, f"st-{number:016x}", PageFacts(published=now), (),
                                    hashes, index.signer.keys(hashes).stored, url_key(url)))
        backend.save(rows)
        db.executemany("INSERT INTO articles (url, title, text, fetched_at, story_id, canonical_url)"
                       " VALUES (?, 't', 'x', ?, ?, ?)",
                       [(p.url, now, p.story_id, p.url) for p in rows])
    db.close()


def startup_seconds(web: Path, store: Path, workdir: Path) -> float:
    """Seconds from starting `scrapy crawl` to its first request."""
    log = workdir / "startup.jsonl"
    start_url = (web / "start_urls.txt").read_text().split()[0]
    with open(log, "w") as handle, SampleWebServer(web, log=handle) as server:
        started = time.time()
        subprocess.run([sys.executable, "-m", "scrapy.cmdline", "crawl", "news",
                        "-a", f"start_urls={start_url}", "-s", f"STORAGE_SQLITE_PATH={store}",
                        "-s", "CLOSESPIDER_PAGECOUNT=1", "-s", "LOG_LEVEL=WARNING"],
                       cwd=ROOT, timeout=1800, capture_output=True, text=True, check=True,
                       env={**os.environ, "http_proxy": server.proxy_url, "no_proxy": ""})
    first = json.loads(log.read_text().splitlines()[0])["ts"]
    return first - started


def alternated(web: Path, rounds: int, workdir: Path, tag: str) -> dict[str, Any]:
    """ABAB: the project's crawl of `web`, then the baseline on the URLs it fetched, `rounds`
    times; ratios and per-stage figures as medians over the rounds."""
    runs: list[tuple[dict[str, float], dict[str, float]]] = []
    urls: list[str] = []
    for number in range(rounds):
        project, fetched = project_run(web, workdir, f"{tag}project-{number}")
        urls = urls or fetched
        baseline = baseline_run(web, urls, workdir, f"{tag}baseline-{number}")
        runs.append((figures(project), figures(baseline)))
        print(f"{tag}round {number + 1}: project {runs[-1][0]['cpu_ms_per_page']:.1f} ms/page, "
              f"{runs[-1][0]['pages_per_s']:.0f} pages/s; baseline "
              f"{runs[-1][1]['cpu_ms_per_page']:.1f} ms/page, {runs[-1][1]['pages_per_s']:.0f} pages/s",
              flush=True)

    def median(key: str, side: int = 0) -> float:
        return round(statistics.median(r[side].get(key, 0.0) for r in runs), 3)

    cpu_ratios = [p["cpu_ms_per_page"] / b["cpu_ms_per_page"] for p, b in runs]
    return {
        "pages": len(urls),
        "cpu_ratio": round(statistics.median(cpu_ratios), 3),
        "cpu_ratio_range": [round(min(cpu_ratios), 3), round(max(cpu_ratios), 3)],
        "pages_per_s_ratio": round(statistics.median(p["pages_per_s"] / b["pages_per_s"] for p, b in runs), 3),
        "cpu_ms_per_page": median("cpu_ms_per_page"), "baseline_cpu_ms_per_page": median("cpu_ms_per_page", 1),
        "peak_rss_mb": median("peak_rss_mb"), "baseline_peak_rss_mb": median("peak_rss_mb", 1),
        "dedup_cpu_share": median("dedup_share"),
        **{f"{stage}": median(stage) for stage in ("extraction_ms_per_page", "sources_ms_per_page",
                                                    "dedup_ms_per_page", "storage_ms_per_page")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--web", type=Path, default=ROOT.parent / "shared/bench/synd-dev")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big-copies", type=int, default=9,
                        help="copies of --web in the generated large web (0: no large web)")
    parser.add_argument("--big-rounds", type=int, default=1, help="(0: no large web)")
    parser.add_argument("--store-pages", type=int, default=100_000)
    args = parser.parse_args()
    if args.rounds < 1 or args.big_rounds < 0 or args.big_copies < 0 or args.store_pages < 0:
        parser.error("--rounds must be at least 1; --big-rounds, --big-copies and "
                     "--store-pages at least 0")
    workdir = Path(tempfile.mkdtemp(prefix="speed-bench-"))
    result: dict[str, Any] = {"web": args.web.name, "rounds": args.rounds,
                              **alternated(args.web, args.rounds, workdir, "")}
    if args.big_copies > 0 and args.big_rounds > 0:
        big_web = build_big_web(args.web, workdir / "big-web", args.big_copies)
        big = alternated(big_web, args.big_rounds, workdir, "big-")
        result.update({f"big_{key}": value for key, value in big.items()})
    result["startup_s_empty"] = round(startup_seconds(args.web, workdir / "empty.db", workdir), 2)
    synthetic_store(workdir / "big.db", args.store_pages)
    result["startup_s_100k"] = round(startup_seconds(args.web, workdir / "big.db", workdir), 2)
    result["store_pages"] = args.store_pages
    logs = []
    for number in (1, 2):
        log = workdir / f"rewalk-{number}.jsonl"
        crawl_web(args.web, workdir / "rewalk.db", log, 1800, validators=False)
        logs.append(len(log.read_text().splitlines()))
    result["rewalk_request_share"] = round(logs[1] / logs[0], 4)
    result["rewalk_requests"] = logs
    for key, value in result.items():
        print(f"{key:28} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""Second run over an unchanged web: how much of the first run's work it repeats.

    python bench/incremental.py [--web ../shared/bench/synd-dev] [--workdir DIR]

Crawls the web twice into one store (the real spider, from the web's start_urls.txt, through
crawler.sampleweb.server on 127.0.0.1) and prints the second run's requests and time as shares
of the first run's, and how many article pages it fetched again (target: none). The last line
is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crawler.sampleweb.server import SampleWebServer


def run(web: Path, workdir: Path, proxy: str, timeout: float) -> float:
    command = [sys.executable, "-m", "scrapy.cmdline", "crawl", "news",
               "-a", f"start_file={web / 'start_urls.txt'}",
               "-s", f"STORAGE_SQLITE_PATH={workdir / 'store.db'}", "-s", "LOG_LEVEL=WARNING"]
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env={**os.environ, "http_proxy": proxy, "no_proxy": ""},
                   check=True, timeout=timeout)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", type=Path, default=ROOT.parent / "shared/bench/synd-dev")
    parser.add_argument("--workdir", type=Path, help="keep the store and proxy logs here")
    parser.add_argument("--timeout", type=float, default=1800, help="time limit per run (s)")
    args = parser.parse_args()
    if not (args.web / "web.json").is_file() or not (args.web / "start_urls.txt").is_file():
        parser.exit(2, f"error: {args.web} is not a sample web with start_urls.txt\n")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="incremental-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "store.db").unlink(missing_ok=True)
    logs, seconds = [], []
    for number in (1, 2):
        log_path = workdir / f"proxy-{number}.jsonl"
        with open(log_path, "w") as log, SampleWebServer(args.web, log=log) as server:
            seconds.append(run(args.web, workdir, server.proxy_url, args.timeout))
        logs.append([json.loads(line) for line in log_path.read_text().splitlines()])
    first_pages = {e["url"] for e in logs[0] if e["status"] == 200 and e["method"] == "GET"}
    labels_file = args.web / "labels.json"
    articles = ({u for u, p in json.loads(labels_file.read_text())["pages"].items()
                 if p["kind"] == "article"} if labels_file.exists() else first_pages)
    refetched = {e["url"] for e in logs[1] if e["status"] == 200 and e["method"] == "GET"
                 and e["url"] in articles}
    result = {
        "first_requests": len(logs[0]),
        "second_requests": len(logs[1]),
        "requests_share": round(len(logs[1]) / len(logs[0]), 4),
        "second_not_modified": sum(e["status"] == 304 for e in logs[1]),
        "article_refetches": len(refetched),
        "first_seconds": round(seconds[0], 1),
        "second_seconds": round(seconds[1], 1),
        "time_share": round(seconds[1] / seconds[0], 3),
    }
    for key, value in result.items():
        print(f"{key:22} {value}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

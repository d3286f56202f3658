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
import tempfile
from pathlib import Path

from crawl_runner import ROOT, crawl_web


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
        seconds.append(crawl_web(args.web, workdir / "store.db", log_path, args.timeout))
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

"""Offline demo: serve the bundled sample web on 127.0.0.1, crawl it, print the stories and
write them as an HTML report.

    python -m crawler.demo [--db copydesk-demo.db] [--html copydesk-demo.html] [--jsonl demo.jsonl]

The store is kept between runs (a second run is an incremental crawl: nothing new to store).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
from pathlib import Path

from crawler.safe_text import for_terminal
from crawler.sampleweb.build import START_URLS, build_web
from crawler.sampleweb.server import SampleWebServer
from crawler.story_report import render_html
from pipelines.storage import open_store
from pipelines.story_views import load_stories, site_rates


def run_crawl(proxy_url: str, db: Path, jsonl: Path | None) -> dict[str, object]:
    """Crawl the sample web through the proxy in this process; return the crawl stats."""
    os.environ["http_proxy"] = proxy_url
    os.environ.pop("no_proxy", None)
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.set("STORAGE_SQLITE_PATH", str(db))
    settings.set("LOG_LEVEL", "WARNING")
    if jsonl is not None:
        settings.set("FEEDS", {str(jsonl): {"format": "jsonlines", "overwrite": True}})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("news")
    process.crawl(crawler, start_urls=",".join(START_URLS))
    process.start()
    return dict(crawler.stats.get_stats()) if crawler.stats else {}


def print_stories(db: Path) -> None:
    connection = sqlite3.connect(db)
    stories = connection.execute(
        "SELECT story_id, title, canonical_url, copies FROM stories ORDER BY first_seen, story_id"
    ).fetchall()
    print(f"\n{len(stories)} stories\n")
    for story_id, title, canonical, copies in stories:
        print(f"{story_id}  {for_terminal(title)}\n  original: {for_terminal(canonical)}  "
              f"({copies} page(s) stored)")
        for url, similarity, source in connection.execute(
            "SELECT url, similarity, source_url FROM articles WHERE story_id=? ORDER BY url",
            (story_id,),
        ):
            mark = "*" if url == canonical else " "
            cites = f"  cites {for_terminal(source)}" if source else ""
            print(f"   {mark} {similarity:.2f}  {for_terminal(url)}{cites}")
    connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("copydesk-demo.db"),
                        help="SQLite store to write (kept; a second run adds what is new)")
    parser.add_argument("--html", type=Path, default=Path("copydesk-demo.html"),
                        help="the HTML story report to write")
    parser.add_argument("--jsonl", type=Path, help="also write the articles as JSON Lines")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        build_web().write(Path(directory))
        with SampleWebServer(Path(directory)) as server:
            stats = run_crawl(server.proxy_url, args.db, args.jsonl)
    print_stories(args.db)
    keys = ("response_received_count", "item_scraped_count", "dedup/new_story",
            "dedup/joined_story", "crawl/source_links_followed")
    print("\ncrawl stats: " + ", ".join(f"{k}={stats.get(k, 0)}" for k in keys))
    dropped = {k: v for k, v in stats.items() if k.startswith(("extraction/dropped", "crawl/error", "crawl/skipped"))}
    print("dropped and errors: " + (", ".join(f"{k}={v}" for k, v in sorted(dropped.items())) or "none"))
    db = open_store(args.db)
    stories = load_stories(db)
    db.close()
    args.html.write_text(render_html(stories, site_rates(stories), str(args.db)), "utf-8")
    print(f"store: {args.db}  (see it again: copydesk stories -s STORAGE_SQLITE_PATH={args.db})")
    print(f"HTML story report: {args.html.resolve()}")


if __name__ == "__main__":
    main()

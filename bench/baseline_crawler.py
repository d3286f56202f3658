"""The baseline of bench/speed.py: Scrapy fetching a list of URLs with Copydesk's politeness
settings and running trafilatura (with metadata) on each page, nothing else.

    python bench/baseline_crawler.py URLS_FILE STATS_FILE   (through http_proxy)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

# Run as a script, bench/ comes first on the path, and bench/incremental.py would shadow the
# `incremental` package Twisted imports.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import scrapy  # noqa: E402
import trafilatura  # noqa: E402
from scrapy import signals  # noqa: E402
from scrapy.crawler import CrawlerProcess  # noqa: E402


class Baseline(scrapy.Spider):
    name = "baseline"

    def __init__(self, urls: list[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):  # type: ignore[no-untyped-def]
        for url in self.urls:
            yield scrapy.Request(url, self.parse, dont_filter=True)

    def parse(self, response: Any) -> None:
        if isinstance(response, scrapy.http.HtmlResponse):
            trafilatura.extract(response.text, url=response.url, with_metadata=True)


def main() -> None:
    urls = Path(sys.argv[1]).read_text().split()
    stats_file = Path(sys.argv[2])
    process = CrawlerProcess({
        "USER_AGENT": "Copydesk/0.1 (baseline)", "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16, "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
        "AUTOTHROTTLE_ENABLED": True, "AUTOTHROTTLE_START_DELAY": 0.5,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0, "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
    })
    crawler = process.create_crawler(Baseline)
    opened = time.monotonic()

    def closed() -> None:
        values = dict(crawler.stats.get_stats())
        values["cpu_seconds"] = time.process_time()
        values["elapsed_time_seconds"] = time.monotonic() - opened
        stats_file.write_text(json.dumps(values, default=str))

    crawler.signals.connect(closed, signal=signals.spider_closed)
    process.crawl(crawler, urls=urls)
    process.start()


if __name__ == "__main__":
    main()

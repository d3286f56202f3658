"""Crawl-wide extensions: a progress line, the end-of-crawl summary, a bounded shutdown."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from pipelines.time_limit import PageTimeLimit

logger = logging.getLogger(__name__)


class CrawlSummary:
    """Logs one summary line at the end of a crawl: fetched, emitted, dropped, stories,
    errors and refusals; writes the stats to CRAWL_STATS_FILE when set."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, reason: str) -> None:
        assert self.crawler.stats is not None
        values = self.crawler.stats.get_stats()
        dropped = {k.split("/", 2)[2]: v for k, v in values.items()
                   if k.startswith("extraction/dropped/")}
        errors = sum(v for k, v in values.items()
                     if k.startswith(("crawl/error/", "robotstxt/exception_count/", "storage/errors")))
        refused = sum(v for k, v in values.items() if k.startswith("egress/refused/"))
        logger.info(
            "summary: fetched %d pages, emitted %d articles, dropped %s, %d new stories, "
            "%d copies joined stories, %d errors, %d requests refused by the egress policy, "
            "%d articles not stored (finish reason: %s)",
            values.get("response_received_count", 0), values.get("item_scraped_count", 0),
            dropped or "none", values.get("dedup/new_story", 0),
            values.get("dedup/joined_story", 0), errors, refused,
            values.get("storage/not_stored", 0), reason,
        )
        stats_file = self.crawler.settings.get("CRAWL_STATS_FILE")
        if stats_file:
            values = {**values, "cpu_seconds": time.process_time()}
            Path(stats_file).write_text(json.dumps(values, default=str, indent=1), "utf-8")


class ShutdownGuard:
    """Bounds the wait after Ctrl-C or SIGTERM. Scrapy then lets the requests and pages in
    flight finish, which can take up to DOWNLOAD_TIMEOUT on a slow server; after
    CRAWL_SHUTDOWN_GRACE seconds this sends the signal again, Scrapy's forced stop. A page
    being extracted gets at most one more second. Every
    page is stored in its own transaction, so a forced stop loses only pages in flight, and
    the next run fetches them."""

    def __init__(self, crawler: Crawler, grace: float) -> None:
        self.crawler = crawler
        self.grace = grace
        self._armed = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler, crawler.settings.getfloat("CRAWL_SHUTDOWN_GRACE"))
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        return extension

    def engine_started(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous = signal.getsignal(signum)
            if callable(previous):  # Scrapy's graceful-shutdown handler
                signal.signal(signum, partial(self._on_signal, previous))

    def _on_signal(self, previous: Any, signum: int, frame: FrameType | None) -> None:
        previous(signum, frame)
        PageTimeLimit.cut_short(1.0)  # the page being extracted, if any, ends within 1 s
        if not self._armed:
            from twisted.internet import reactor

            self._armed = True
            reactor.callFromThread(reactor.callLater, self.grace, self._force, signum)

    def _force(self, signum: int) -> None:
        logger.warning("still stopping after %.0f s: stopping now; pages in flight are "
                       "fetched again next run", self.grace)
        os.kill(os.getpid(), signum)


class ProgressLine:
    """On a terminal, one line rewritten every CRAWL_PROGRESS_INTERVAL seconds: pages
    fetched, articles stored, stories, pages per second, requests queued. Nothing is
    written when standard error is not a terminal (logs, cron, CI)."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self._loop: Any = None
        self._started = time.monotonic()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("CRAWL_PROGRESS_INTERVAL")
        if interval <= 0 or not sys.stderr.isatty():
            raise NotConfigured  # no message: Scrapy would log one at WARNING level
        extension = cls(crawler, interval)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        from twisted.internet.task import LoopingCall

        self._started = time.monotonic()
        self._loop = LoopingCall(self.show)
        self._loop.start(self.interval, now=False)

    def show(self) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        pages = int(stats.get("response_received_count", 0))
        stored = sum(int(v) for k, v in stats.items()
                     if k in ("storage/articles_new", "storage/articles_updated"))
        stories = int(stats.get("dedup/new_story", 0))
        rate = pages / max(time.monotonic() - self._started, 1e-9)
        engine = self.crawler.engine
        scheduler = getattr(getattr(engine, "_slot", None), "scheduler", None)
        queued = len(scheduler) if scheduler is not None and hasattr(scheduler, "__len__") else 0
        sys.stderr.write(f"\r\x1b[K{pages:,} pages, {stored:,} articles, {stories:,} stories, "
                         f"{rate:,.1f} pages/s, {queued:,} queued")
        sys.stderr.flush()

    def spider_closed(self) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

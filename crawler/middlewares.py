"""Downloader middleware for scheduled crawls: only new work each run."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response

from pipelines.crawl_state import is_newer, load_validators, save_validators, stored_articles
from pipelines.storage import open_store

logger = logging.getLogger(__name__)


class IncrementalCrawlMiddleware:
    """Skips article pages the store already holds, unless a feed or sitemap dates them after
    their fetch, and asks for other pages (listings, feeds, sitemaps) with the ETag /
    Last-Modified of the last finished crawl, so an unchanged one costs a 304."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        self.stored: dict[str, str] = {}
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.pending: dict[str, tuple[str | None, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not (settings.getbool("INCREMENTAL_ENABLED") and settings.getbool("STORAGE_ENABLED")):
            raise NotConfigured("Set INCREMENTAL_ENABLED and STORAGE_ENABLED for incremental crawls")
        middleware = cls(crawler, settings.get("STORAGE_SQLITE_PATH"))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_opened(self) -> None:
        db = open_store(self.path)
        self.stored = stored_articles(db)
        self.validators = load_validators(db)
        db.close()
        logger.info("incremental crawl: %d stored articles, %d validators from %s",
                    len(self.stored), len(self.validators), self.path)

    def process_request(self, request: Request) -> None:
        if request.method != "GET" or request.url.endswith("/robots.txt"):
            return  # robots.txt must always be read in full: its rules apply to every run
        stats = self.crawler.stats
        fetched_at = self.stored.get(request.url)
        if fetched_at is not None:
            if not is_newer(request.meta.get("lastmod"), fetched_at):
                if stats:
                    stats.inc_value("incremental/skipped_stored")
                raise IgnoreRequest(f"stored already: {request.url}")
            if stats:
                stats.inc_value("incremental/refetched_changed")
            return
        etag, modified = self.validators.get(request.url, (None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)

    def process_response(self, request: Request, response: Response) -> Any:
        if response.status == 304:
            if self.crawler.stats:
                self.crawler.stats.inc_value("incremental/not_modified")
            raise IgnoreRequest(f"not modified: {request.url}")
        if (response.status == 200 and request.url not in self.stored
                and not request.url.endswith("/robots.txt")):
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            if etag or modified:
                self.pending[request.url] = (etag.decode("latin-1") if etag else None,
                                             modified.decode("latin-1") if modified else None)
        return response

    def spider_closed(self, reason: str) -> None:
        # Validators are kept only from a crawl that finished: after an interrupted one, the
        # next run must read the listing pages again to reach what was not fetched.
        if reason == "finished" and self.pending:
            db = open_store(self.path)
            save_validators(db, ((url, *v) for url, v in self.pending.items()))
            db.close()


class RedirectLoopMiddleware:
    """Counts and drops a redirect that leads back to a URL of its own chain (a loop), which
    Scrapy's duplicate filter would otherwise drop without a word. Runs before Scrapy's
    RedirectMiddleware sees the response."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Any:
        location = response.headers.get("Location")
        if not (300 <= response.status < 400 and location) or request.meta.get("dont_redirect"):
            return response
        target = response.urljoin(location.decode("latin-1"))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            if self.crawler.stats:
                self.crawler.stats.inc_value("crawl/error/redirect_loop")
            logger.info("redirect loop: %s", " -> ".join([*chain, target]))
            raise IgnoreRequest(f"redirect loop at {request.url}")
        return response

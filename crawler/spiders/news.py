"""The `news` spider: aggregator pages, their articles, and the originals they copy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Request, Response
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawler.items import Page
from crawler.urls import BadURLError, check_start_url, looks_like_listing, normalize_url, site_of
from pipelines.sources import find_source_link, parse_markup


def read_start_urls(start_urls: str = "", start_file: str = "") -> list[str]:
    """Start URLs from a comma-separated argument and/or a file (one a line, # comments).

    Raises:
        BadURLError: naming the bad URL, the unreadable file, or that none were given.
    """
    given = [u for u in start_urls.split(",") if u.strip()]
    if start_file:
        try:
            lines = Path(start_file).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadURLError(f"cannot read start file {start_file!r}: {exc}") from None
        given += [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not given:
        raise BadURLError("no start URLs: pass -a start_urls=URL[,URL...] or -a start_file=FILE")
    return list(dict.fromkeys(check_start_url(u) for u in given))


class NewsSpider(scrapy.Spider):
    """Crawls the start sites (pagination, sections, articles) and follows each copy's
    source link off-site, up to CRAWL_SOURCE_HOPS hops; yields every HTML page as a Page."""

    name = "news"

    def __init__(self, start_urls: str = "", start_file: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = read_start_urls(start_urls, start_file)
        self.start_sites = {site_of(url) for url in self.start_urls}
        self.links = LinkExtractor(
            allow_domains=sorted(self.start_sites), deny=[r"[?&](s|q|search)="], unique=True
        )

    @classmethod
    def check_arguments(cls, **kwargs: str) -> None:
        """Validate spider arguments before a crawl starts (used by our `crawl` command)."""
        read_start_urls(kwargs.get("start_urls", ""), kwargs.get("start_file", ""))

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            yield Request(url, callback=self.parse, errback=self.on_error)

    def parse(self, response: Response) -> Iterator[Page | Request]:
        stats = self.crawler.stats
        if not isinstance(response, HtmlResponse):
            stats.inc_value("crawl/skipped/not_html")
            return
        offsite = site_of(response.url) not in self.start_sites
        if not looks_like_listing(response.url):
            fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
            yield Page(url=response.url, html=response.text, fetched_at=fetched_at, offsite=offsite)
        if not offsite:
            for link in self.links.extract_links(response):
                yield response.follow(normalize_url(link.url), self.parse, errback=self.on_error)
        yield from self._follow_source(response)

    def _follow_source(self, response: HtmlResponse) -> Iterator[Request]:
        hops = response.meta.get("source_hops", 0)
        if hops >= self.settings.getint("CRAWL_SOURCE_HOPS"):
            return
        markup = parse_markup(response.text, response.url)
        source = find_source_link(markup) if markup else None
        if source is None or site_of(source.url) in self.start_sites:
            return  # start sites are crawled anyway
        self.crawler.stats.inc_value("crawl/source_links_followed")
        # Fetched early, so the story's original is known soon after its first copy.
        yield Request(source.url, self.parse, errback=self.on_error, priority=10,
                      meta={"source_hops": hops + 1})

    def on_error(self, failure: Failure) -> None:
        response = getattr(failure.value, "response", None)
        if response is not None:
            self.crawler.stats.inc_value(f"crawl/error/http_{response.status}")
        else:
            self.crawler.stats.inc_value(f"crawl/error/{failure.type.__name__}")
        self.logger.info("failed %s: %s", failure.request.url, failure.getErrorMessage())

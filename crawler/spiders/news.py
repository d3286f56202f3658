"""The `news` spider: aggregator pages, their articles, and the originals they copy."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from twisted.python.failure import Failure

from crawler.discovery import HeadlineMatcher, read_sitemap, sitemaps_in_robots
from crawler.encoding import decoded_html
from crawler.items import Page
from crawler.urls import BadURLError, check_start_url, looks_like_listing, normalize_url, site_of
from pipelines.sources import PageMarkup, find_source_link, links_to_resolve, parse_markup


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
        self.headlines = HeadlineMatcher()
        self.sitemap_sites: set[str] = set()

    @classmethod
    def check_arguments(cls, **kwargs: str) -> None:
        """Validate spider arguments before a crawl starts (used by our `crawl` command)."""
        read_start_urls(kwargs.get("start_urls", ""), kwargs.get("start_file", ""))

    async def start(self) -> AsyncIterator[Request]:
        for url in self.start_urls:
            yield Request(url, callback=self.parse, errback=self.on_error)

    def parse(self, response: Response) -> Iterator[Page | Request]:
        if not isinstance(response, HtmlResponse):
            self.crawler.stats.inc_value("crawl/skipped/not_html")
            return
        offsite = site_of(response.url) not in self.start_sites
        html = decoded_html(response)
        markup = parse_markup(html, response.url)
        redirectors = links_to_resolve(markup) if markup else []
        if not offsite:
            for link in self.links.extract_links(response):
                url = normalize_url(link.url)
                if url not in redirectors:  # resolved below, with HEAD
                    yield response.follow(url, self.parse, errback=self.on_error)
        if looks_like_listing(response.url):
            return
        yield from self._discover(response, offsite)
        page = Page(
            url=response.url, html=html, offsite=offsite,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            aliases=[normalize_url(u) for u in response.meta.get("redirect_urls", [])],
        )
        if redirectors:
            # An attribution link to the site's own redirector ("/go/12"): ask where it
            # leads before the page goes down the pipelines.
            yield Request(redirectors[0], self.resolved_redirect, method="HEAD", dont_filter=True,
                          errback=self.on_redirect_error,
                          meta={"page": page, "hops": response.meta.get("source_hops", 0),
                                "dont_redirect": True, "handle_httpstatus_all": True})
            return
        yield page
        if markup is not None:
            yield from self._follow_source(markup, response.meta.get("source_hops", 0))

    def resolved_redirect(self, response: Response) -> Iterator[Page | Request]:
        page: Page = response.meta["page"]
        location = response.headers.get("Location")
        if 300 <= response.status < 400 and location:
            page.redirects[response.url] = normalize_url(response.urljoin(location.decode("latin-1")))
            self.crawler.stats.inc_value("crawl/redirector_links_resolved")
        yield page
        markup = parse_markup(page.html, page.url, page.redirects)
        if markup is not None:
            yield from self._follow_source(markup, response.meta["hops"])

    def on_redirect_error(self, failure: Failure) -> Iterator[Page]:
        self.on_error(failure)
        yield failure.request.meta["page"]  # the page itself is still worth keeping

    def _follow_source(self, markup: PageMarkup, hops: int) -> Iterator[Request]:
        if hops >= self.settings.getint("CRAWL_SOURCE_HOPS"):
            return
        source = find_source_link(markup)
        if source is None or site_of(source.url) in self.start_sites:
            return  # start sites are crawled anyway
        self.crawler.stats.inc_value("crawl/source_links_followed")
        # Fetched early, so the story's original is known soon after its first copy.
        yield Request(source.url, self.parse, errback=self.on_error, priority=10,
                      meta={"source_hops": hops + 1})

    def _discover(self, response: HtmlResponse, offsite: bool) -> Iterator[Request]:
        """Originals nobody links: headlines of the start sites' pages are matched against the
        sitemaps of the sites that copies cite (CRAWL_DISCOVER_ORIGINALS)."""
        if not self.settings.getbool("CRAWL_DISCOVER_ORIGINALS"):
            return
        if not offsite:
            headline = response.xpath("string(//h1)").get() or response.xpath("string(//title)").get()
            for url in self.headlines.add_headline(headline or ""):
                yield self._discovered(url)
        elif site_of(response.url) not in self.sitemap_sites:
            self.sitemap_sites.add(site_of(response.url))
            yield Request(response.urljoin("/robots.txt"), self.parse_robots,
                          errback=self.on_error, priority=5)

    def parse_robots(self, response: Response) -> Iterator[Request]:
        if isinstance(response, TextResponse):
            for url in sitemaps_in_robots(response.text, response.url):
                yield Request(url, self.parse_sitemap, errback=self.on_error, priority=5)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        try:
            kind, urls = read_sitemap(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
        except ValueError as exc:
            self.crawler.stats.inc_value("crawl/skipped/bad_sitemap")
            self.logger.info("skipped sitemap %s: %s", response.url, exc)
            return
        host = site_of(response.url)
        urls = [normalize_url(u) for u in urls if site_of(u) == host]  # no sitemap may send us elsewhere
        if kind == "sitemapindex":
            for url in urls[: self.settings.getint("CRAWL_SITEMAPS_PER_INDEX")]:
                yield Request(url, self.parse_sitemap, errback=self.on_error, priority=5)
            return
        for url in self.headlines.add_entries(urls):
            yield self._discovered(url)

    def _discovered(self, url: str) -> Request:
        self.crawler.stats.inc_value("crawl/originals_discovered")
        hops = self.settings.getint("CRAWL_SOURCE_HOPS")  # a discovered page's links are not followed
        return Request(url, self.parse, errback=self.on_error, priority=5, meta={"source_hops": hops})

    def on_error(self, failure: Failure) -> None:
        response = getattr(failure.value, "response", None)
        if response is not None:
            self.crawler.stats.inc_value(f"crawl/error/http_{response.status}")
        else:
            self.crawler.stats.inc_value(f"crawl/error/{failure.type.__name__}")
        self.logger.info("failed %s: %s", failure.request.url, failure.getErrorMessage())

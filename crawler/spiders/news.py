"""The `news` spider: news sites' pages, feeds and sitemaps, and the originals they copy."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.discovery import HeadlineMatcher, sitemap_entry
from crawler.egress import EgressRefused
from crawler.encoding import decoded_html
from crawler.feeds import read_feed, read_sitemap, sitemaps_in_robots
from crawler.frontier import Frontier
from crawler.items import Page
from crawler.middlewares import SkippedRequest
from crawler.sources import SITEMAPS_FROM_ROBOTS, Source, read_sources
from crawler.urls import looks_like_listing, normalize_url, site_of
from pipelines.extraction import parse_page
from pipelines.options import did_you_mean
from pipelines.sources import (
    PageMarkup,
    card_links_to_resolve,
    find_source_link,
    links_to_resolve,
    markup_of,
    resolve_href,
)


class NewsSpider(scrapy.Spider):
    """Crawls each source's start pages (pagination, sections, articles), feeds and sitemaps
    within its limits, and follows each copy's source link off-site, up to
    CRAWL_SOURCE_HOPS hops. Yields every HTML article candidate as a Page."""

    name = "news"
    frontier: Frontier  # set in from_crawler, from the settings

    def __init__(self, start_urls: str = "", start_file: str = "", sources: str = "",
                 only: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sources = read_sources(start_urls, start_file, sources, only)
        self.start_urls = [u for s in self.sources for u in s.start_urls]
        self.headlines = HeadlineMatcher()
        self.sitemap_sites: set[str] = set()
        self.requests_made: Counter[str] = Counter()  # per source, against its max_pages
        # Where each of the sites' own links asked about leads (None: not a redirect), so no
        # link is asked about twice in a crawl.
        self.redirect_targets: dict[str, str | None] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.frontier = Frontier(crawler.settings.getint("CRAWL_MAX_LINKS_PER_PAGE"),
                                   crawler.settings.getint("CRAWL_MAX_PAGES_PER_SITE"),
                                   spider._count_event)
        spider.page_max_chars = crawler.settings.getint("EXTRACTION_MAX_CHARS")
        return spider

    #: The spider arguments (`-a NAME=VALUE`) it understands.
    ARGUMENTS = ("start_urls", "start_file", "sources", "only")

    @classmethod
    def check_arguments(cls, **kwargs: str) -> None:
        """Validate spider arguments before a crawl starts (used by our `crawl` command).

        Raises:
            ValueError: naming the bad argument, with a suggestion for a misspelled one.
        """
        for name in kwargs:
            if name not in cls.ARGUMENTS:
                raise ValueError(f"unknown spider argument {name!r}{did_you_mean(name, cls.ARGUMENTS)}"
                                 f" (known: {', '.join(cls.ARGUMENTS)})")
        read_sources(kwargs.get("start_urls", ""), kwargs.get("start_file", ""),
                     kwargs.get("sources", ""), kwargs.get("only", ""))

    async def start(self) -> AsyncIterator[Request]:
        async for request in self._start_requests():
            request.meta["start"] = True  # counted as crawl/start_pages_ok when answered
            yield request

    async def _start_requests(self) -> AsyncIterator[Request]:
        for source in self.sources:
            meta = {"source": source.name}  # for sitemap requests, outside the page budget
            for url in source.start_urls:
                for request in self._follow(source, url, self.parse):
                    yield request
            for url in source.feeds:
                for request in self._follow(source, url, self.parse_feed):
                    yield request
            for url in source.sitemaps:
                if url == SITEMAPS_FROM_ROBOTS:
                    for start in source.start_urls[:1] or source.feeds[:1]:
                        yield Request(_robots_url(start), self.parse_robots,
                                      meta={**meta, **_ROBOTS_META},
                                      errback=self.on_error)
                else:
                    yield Request(url, self.parse_sitemap, errback=self.on_error, meta=meta)

    def parse(self, response: Response) -> Iterator[Page | Request]:
        # A page on a source's site counts as the source's however it was reached (the
        # original of a stored copy, fetched in the copy's place, comes without the meta).
        source = self._source_of(response) or next(
            (s for s in self.sources if s.allows(response.url)), None)
        self._count(source, "pages_fetched")
        self._answered(response.meta)
        if not isinstance(response, HtmlResponse):
            self.crawler.stats.inc_value("crawl/skipped/not_html")
            return
        offsite = source is None or not source.allows(response.url)
        html = decoded_html(response)
        # The page's one parse: links, headline and source signals here; the tree and the
        # markup go with the Page to the pipelines.
        tree = parse_page(html, self.page_max_chars)
        markup = markup_of(tree, response.url) if tree is not None else None
        redirectors = links_to_resolve(markup) if markup else []
        known: dict[str, str] = {}
        asked = self._first_unasked(redirectors, known)
        card = None
        if not redirectors and markup is not None and not offsite \
                and not looks_like_listing(response.url) and find_source_link(markup) is None:
            # A source card may hide behind the site's redirector: the first of its card
            # links that no request has been made for is fetched to see where it leads
            # (on the sources' own sites only: off-site pages are not crawled further).
            card = self._first_unasked(card_links_to_resolve(markup), known,
                                       askable=self.frontier.is_new)
        links: list[str] = []
        if source is not None and not offsite and markup is not None \
                and response.meta.get("depth", 0) < source.max_depth:
            links = self._links_on_sites(source, markup, [*redirectors, *([card] if card else [])])
            yield from self._follow_links(source, markup.url, links,
                                          response.meta.get("stale_pages", 0))
        if looks_like_listing(response.url):
            return
        counted_for = source.name if source is not None and not offsite \
            else response.meta.get("via_source")
        yield from self._discover(response.url, markup.headline if markup else "", offsite,
                                  counted_for)
        page = Page(
            url=response.url, html=html,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            aliases=[normalize_url(u) for u in response.meta.get("redirect_urls", [])],
            source_name=None if offsite or source is None else source.name,
            counted_for=counted_for,
            article_links=len({url for url in links if not looks_like_listing(url)}),
            tree=tree, markup=markup,
        )
        page.redirects.update(known)
        waiting = {"page": page, "hops": response.meta.get("source_hops", 0),
                   "dont_redirect": True, "handle_httpstatus_all": True}
        if asked is not None:
            # An attribution link to the site's own redirector ("/go/12"): ask where it
            # leads before the page goes down the pipelines.
            yield Request(asked, self.resolved_redirect, method="HEAD", dont_filter=True,
                          errback=self.on_redirect_error, meta=waiting)
            return
        if card is not None:
            # The card's link is fetched once: a redirect names the source, a page is crawled.
            ask = list(self._follow(source, card, self.resolved_card,
                                    errback=self.on_redirect_error, waiting=waiting))
            if ask:
                yield from ask
                return
        self._decide_source(page)
        yield page
        yield from self._follow_source(page, response.meta.get("source_hops", 0))

    def parse_feed(self, response: Response) -> Iterator[Request]:
        source = self._source_of(response)
        self._answered(response.meta)
        try:
            entries = read_feed(response.body)
        except ValueError as exc:
            self._skip("bad_feed", response, exc)
            return
        for entry in entries:
            if source is None or source.allows(entry.url):
                yield from self._follow(source, normalize_url(entry.url), self.parse,
                                        lastmod=entry.updated)
            else:
                self.crawler.stats.inc_value("crawl/skipped/feed_entry_elsewhere")

    def parse_robots(self, response: Response) -> Iterator[Request]:
        self._answered(response.meta)
        if isinstance(response, TextResponse):
            for url in sitemaps_in_robots(response.body, response.url):
                yield Request(url, self.parse_sitemap, errback=self.on_error, priority=5,
                              meta={"source": response.meta.get("source")})

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        self._answered(response.meta)
        try:
            kind, entries = read_sitemap(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
        except ValueError as exc:
            self._skip("bad_sitemap", response, exc)
            return
        host = site_of(response.url)
        # No sitemap may send the crawl to another site.
        on_site = [e for e in entries if site_of(e.url) == host]
        urls = [(normalize_url(e.url), e.updated) for e in on_site]
        if len(urls) < len(entries):
            self.crawler.stats.inc_value("crawl/skipped/sitemap_entry_elsewhere",
                                         len(entries) - len(urls))
        if kind == "sitemapindex":
            for url, _ in urls[: self.settings.getint("CRAWL_SITEMAPS_PER_INDEX")]:
                yield Request(url, self.parse_sitemap, errback=self.on_error, priority=5,
                              meta={"source": response.meta.get("source")})
            return
        source = self._source_of(response)
        if source is not None:  # a source's own sitemap: every article in it
            for url, updated in urls:
                if not looks_like_listing(url):
                    yield from self._follow(source, url, self.parse, lastmod=updated)
        else:  # a cited site's sitemap: only the originals of copies seen
            found = self.headlines.add_entries(
                [sitemap_entry(normalize_url(e.url), e.title) for e in on_site])
            for url in found:
                yield self._discovered(url)

    def resolved_redirect(self, response: Response) -> Iterator[Page | Request]:
        page: Page = response.meta["page"]
        location = response.headers.get("Location")
        target = None
        if 300 <= response.status < 400 and location:
            target = normalize_url(response.urljoin(location.decode("latin-1")))
            page.redirects[response.url] = target
            self.crawler.stats.inc_value("crawl/redirector_links_resolved")
        self.redirect_targets[response.url] = target
        self._decide_source(page)
        yield page
        yield from self._follow_source(page, response.meta["hops"])

    def resolved_card(self, response: Response) -> Iterator[Page | Request]:
        """A source card's link, fetched: a redirect is where the card leads; a page is one
        of the site's, crawled as any other."""
        yield from self.resolved_redirect(response)
        if response.status == 200:
            yield from self.parse(response)

    def on_redirect_error(self, failure: Failure) -> Iterator[Page]:
        list(self.on_error(failure))
        request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        page = request.meta["page"]
        self.redirect_targets[request.url] = None
        self._decide_source(page)
        yield page  # the page itself is still worth keeping

    def on_error(self, failure: Failure) -> Iterator[Request]:
        error = failure.value
        request: Request = failure.request  # type: ignore[attr-defined]  # set by Scrapy
        if isinstance(error, SkippedRequest):
            if error.not_modified:
                self._answered(request.meta)
            if error.stored_headline is not None:  # a page stored by an earlier run
                source = self._source_of_meta(request.meta)
                offsite = source is None or not source.allows(request.url)
                via = source.name if source is not None and not offsite else None
                yield from self._discover(request.url, error.stored_headline, offsite, via)
                if error.stored_source and not any(s.allows(error.stored_source) for s in self.sources):
                    # As if its source link were followed: the cited site's sitemaps are read.
                    yield from self._discover(error.stored_source, "", offsite=True)
            return  # skipped on purpose (stored already, not modified); counted where skipped
        response = getattr(error, "response", None)
        if isinstance(error, EgressRefused):  # a name resolving to a private address
            self.crawler.stats.inc_value(f"egress/refused/{error.reason}")
        elif isinstance(error, IgnoreRequest) and not isinstance(error, HttpError):
            # Dropped by one of Scrapy's middlewares: robots.txt, too many redirects, a
            # body that decompresses past DOWNLOAD_MAXSIZE.
            self.crawler.stats.inc_value(f"crawl/{_ignored_reason(str(error))}")
        elif response is not None:
            self.crawler.stats.inc_value(f"crawl/error/http_{response.status}")
        else:
            self.crawler.stats.inc_value(f"crawl/error/{type(error).__name__}")
        source = request.meta.get("source")
        if source:
            self.crawler.stats.inc_value(f"source/{source}/errors")
        self.logger.info("failed %s: %s", request.url, failure.getErrorMessage())

    def _first_unasked(self, links: Iterable[str], known: dict[str, str],
                       askable: Callable[[str], bool] = lambda url: True) -> str | None:
        """Records in `known` where the links already asked about lead; returns the first
        askable link not asked about yet (one request a page at most), or None."""
        for url in links:
            if url in self.redirect_targets:
                target = self.redirect_targets[url]
                if target is not None:
                    known[url] = target
            elif askable(url):
                return url
        return None

    def _links_on_sites(self, source: Source, markup: PageMarkup, skip: list[str]) -> list[str]:
        """The page's links on the source's sites."""
        return [url for anchor in markup.anchors
                if (url := resolve_href(anchor.href, markup.url)) is not None
                and source.allows(url) and url not in skip]

    def _follow_links(self, source: Source, page_url: str, links: list[str],
                      stale_before: int) -> Iterator[Request]:
        """Requests for the links, within the frontier's bounds. Listing links of a listing
        page that offers no new article are followed only while the walk has met at most
        CRAWL_STALE_LISTING_PAGES such pages in a row."""
        urls = self.frontier.links_to_follow(links)
        stale = 0
        if looks_like_listing(page_url) and not self.frontier.offers_news(urls):
            stale = stale_before + 1
        walk_on = stale <= self.settings.getint("CRAWL_STALE_LISTING_PAGES")
        for url in urls:
            if looks_like_listing(url) and not walk_on:
                if self.frontier.is_new(url):
                    self.crawler.stats.inc_value("crawl/skipped/stale_listing_links")
                continue
            yield from self._follow(source, url, self.parse, stale_pages=stale)

    def _follow(self, source: Source | None, url: str, callback: Any,
                lastmod: str | None = None, stale_pages: int = 0, errback: Any = None,
                waiting: dict[str, Any] | None = None) -> Iterator[Request]:
        """A request within the source's page budget (max_pages requests a run) and the
        site's (CRAWL_MAX_PAGES_PER_SITE). `waiting`: meta of a page held for its answer."""
        name = source.name if source else None
        if not self.frontier.is_new(url):
            return  # requested already: counts against no budget
        if source is not None and self.requests_made[source.name] >= source.max_pages:
            self._count(source, "page_limit_reached")
            return
        if not self.frontier.admit(url):
            return
        if source is not None:
            self.requests_made[source.name] += 1
        # A request a page waits for is never dropped as a repeat: the page would be lost.
        yield Request(url, callback, errback=errback or self.on_error,
                      dont_filter=waiting is not None,
                      meta={"source": name, "lastmod": lastmod, "stale_pages": stale_pages,
                            **(waiting or {})})

    @staticmethod
    def _decide_source(page: Page) -> None:
        """The page's source link, decided once (its redirector links resolved) for the
        crawl to follow and the pipelines to store."""
        if page.markup is not None:
            page.markup = replace(page.markup, redirects=page.redirects)
            page.source_link = find_source_link(page.markup)

    def _follow_source(self, page: Page, hops: int) -> Iterator[Request]:
        via = page.counted_for
        if hops >= self.settings.getint("CRAWL_SOURCE_HOPS"):
            return
        source = page.source_link
        if source is None or any(s.allows(source.url) for s in self.sources):
            return  # the sources' own sites are crawled anyway
        if not self.frontier.admit(source.url):
            return
        self.crawler.stats.inc_value("crawl/source_links_followed")
        # Fetched early, so the story's original is known soon after its first copy.
        yield Request(source.url, self.parse, errback=self.on_error, priority=10,
                      meta={"source_hops": hops + 1, "via_source": via})

    def _discover(self, url: str, headline: str, offsite: bool, via: str | None = None
                  ) -> Iterator[Request]:
        """Originals nobody links: headlines of the sources' pages are matched against the
        sitemaps of the sites that copies cite (CRAWL_DISCOVER_ORIGINALS). Pages stored by
        an earlier run take part too, with their stored headline."""
        if not self.settings.getbool("CRAWL_DISCOVER_ORIGINALS"):
            return
        if not offsite:
            for found in self.headlines.add_headline(headline):
                yield self._discovered(found, via)
        elif site_of(url) not in self.sitemap_sites:
            self.sitemap_sites.add(site_of(url))
            yield Request(_robots_url(url), self.parse_robots, errback=self.on_error, priority=5,
                          meta=_ROBOTS_META)

    def _discovered(self, url: str, via: str | None = None) -> Request:
        self.crawler.stats.inc_value("crawl/originals_discovered")
        hops = self.settings.getint("CRAWL_SOURCE_HOPS")  # a discovered page's links are not followed
        return Request(url, self.parse, errback=self.on_error, priority=5,
                       meta={"source_hops": hops, "via_source": via})

    def _source_of(self, response: Response) -> Source | None:
        return self._source_of_meta(response.meta)

    def _source_of_meta(self, meta: dict[str, Any]) -> Source | None:
        name = meta.get("source")
        return next((s for s in self.sources if s.name == name), None)

    def _count_event(self, event: str, count: int) -> None:
        self.crawler.stats.inc_value(event, count)

    def _answered(self, meta: dict[str, Any]) -> None:
        if meta.get("start"):
            self.crawler.stats.inc_value("crawl/start_pages_ok")

    def _count(self, source: Source | None, event: str) -> None:
        if source is not None:
            self.crawler.stats.inc_value(f"source/{source.name}/{event}")

    def _skip(self, reason: str, response: Response, error: Exception) -> None:
        self.crawler.stats.inc_value(f"crawl/skipped/{reason}")
        self.logger.info("skipped %s: %s", response.url, error)


def _ignored_reason(message: str) -> str:
    """The stats key (below crawl/) of a request one of Scrapy's middlewares dropped."""
    lowered = message.lower()
    if "robots.txt" in lowered:
        return "skipped/robots_forbidden"
    if "redirections" in lowered:
        return "error/redirect_limit"
    if "maxsize" in lowered or "max size" in lowered:
        return "error/too_large"
    return "skipped/ignored"


# robots.txt itself is fetched once: not first by Scrapy's RobotsTxtMiddleware for its rules
# (which then reads this very response, see crawler.middlewares.RobotsTxtOnceMiddleware).
_ROBOTS_META = {"dont_obey_robotstxt": True}


def _robots_url(url: str) -> str:
    parts = url.split("/", 3)
    return "/".join(parts[:3]) + "/robots.txt"

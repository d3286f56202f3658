"""Downloader middlewares: the egress policy, incremental crawls, redirect accounting."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Self
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.resolver import CachingThreadedResolver
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

from crawler.egress import EgressPolicy, EgressRefused, literal_address
from crawler.items import NoArticle, Page
from crawler.redis_frontier import carried_over
from crawler.urls import is_site_page
from pipelines.crawl_state import (
    is_newer,
    last_walk_finished,
    load_validators,
    record_walk,
    remember_pages,
    remembered_pages,
    save_validators,
    stored_articles,
    unfetched_sources,
)
from pipelines.databases import Database, StoreLocation
from pipelines.options import store_location
from pipelines.storage import open_store

logger = logging.getLogger(__name__)


# Names under these special-use domains (RFC 2606, 6761) never exist in public DNS: a lookup
# could only leak the query, so a proxied request for one is left to the proxy.
_SPECIAL_USE_DOMAINS = (".test", ".example", ".invalid")


def egress_policy(settings: BaseSettings) -> EgressPolicy:
    """The policy of EGRESS_ALLOW; raises ValueError naming a bad entry."""
    return EgressPolicy(settings.getlist("EGRESS_ALLOW"))


class SkippedRequest(IgnoreRequest):
    """A request dropped on purpose by our middlewares, and counted where it was dropped;
    for a page stored by an earlier run, with its stored headline (the spider still
    looks for the originals of copies it does not fetch again)."""

    def __init__(self, message: str, stored_headline: str | None = None,
                 stored_source: str | None = None, not_modified: bool = False) -> None:
        super().__init__(message)
        self.stored_headline = stored_headline
        self.stored_source = stored_source  # the original the stored page cites
        self.not_modified = not_modified  # the server answered 304: the page was reached


class PrivateAddressLookup(DNSLookupError):
    """A name that resolved to an address the egress policy refuses (a DNS error to Twisted,
    so the connection fails like one to an unknown name)."""

    def __init__(self, refusal: EgressRefused) -> None:
        super().__init__(str(refusal))
        self.refusal = refusal


class EgressMiddleware:
    """Applies the egress policy to every request: start URLs, links, redirects, meta
    refreshes, source links, feeds, sitemaps, robots.txt and HEAD checks all pass here
    (a redirect comes back as a new request). A host name is resolved here and refused if
    it resolves to a private address; the connection then reuses the cached answer, and
    EgressResolver checks it again at that moment. Through a proxy the proxy connects, so
    only the check here applies."""

    def __init__(self, crawler: Crawler, policy: EgressPolicy) -> None:
        self.crawler = crawler
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, egress_policy(crawler.settings))

    async def process_request(self, request: Request) -> None:
        try:
            self.policy.check_url(request.url)
            host = urlsplit(request.url).hostname or ""
            if literal_address(host) is None and not (
                    request.meta.get("proxy") and host.endswith(_SPECIAL_USE_DOMAINS)):
                await _resolve(host)
        except EgressRefused as refusal:
            if self.crawler.stats:
                self.crawler.stats.inc_value(f"egress/refused/{refusal.reason}")
            logger.warning("%s", refusal)
            raise SkippedRequest(str(refusal)) from None


async def _resolve(host: str) -> None:
    """Resolve `host` through the installed resolver; EgressRefused if it is private."""
    from twisted.internet import reactor

    try:
        await maybe_deferred_to_future(reactor.resolve(host))  # type: ignore[arg-type]
    except PrivateAddressLookup as lookup:
        raise lookup.refusal from None
    except DNSLookupError:
        pass  # an unknown name fails on connection, or is the proxy's to resolve


class EgressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses names resolving to addresses the egress policy
    refuses, at the moment a connection resolves them (a name cannot pass the middleware's
    check and then resolve elsewhere). The configured HTTP proxies are the user's own and
    stay reachable."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float,
                 policy: EgressPolicy) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> Self:
        settings = crawler.settings
        # The proxies Scrapy's HttpProxyMiddleware takes from the environment.
        proxies = [urlsplit(url).hostname or "" for url in getproxies().values()]
        allow = [*settings.getlist("EGRESS_ALLOW"), *(p for p in proxies if p)]
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), EgressPolicy(allow))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        def check(address: str) -> str:
            try:
                self.policy.check_resolved(name, address)
            except EgressRefused as refusal:
                raise PrivateAddressLookup(refusal) from None
            return address

        return super().getHostByName(name, timeout).addCallback(check)


# A page linking to article pages of its site may be a listing, even when it is no article
# itself (a section without /category/ in its URL, with one teaser today): it is read again
# every run. Only dead ends are remembered as dropped.
LISTING_ARTICLE_LINKS = 1
LISTING = "listing"  # the reason remembered for such a page


class IncrementalCrawlMiddleware:
    """Skips article pages the store already holds, unless a feed or sitemap dates them after
    their fetch, and pages an earlier run found yield no article (dropped by extraction, or
    site pages such as /about/) until INCREMENTAL_RETRY_DROPPED_DAYS have passed. Asks for
    other pages (listings, feeds, sitemaps) with the ETag / Last-Modified of the last
    finished crawl, so an unchanged one costs a 304. Tells the spider's frontier which links
    are known, so a listing offering nothing new is not paginated further."""

    def __init__(self, crawler: Crawler, location: StoreLocation) -> None:
        self.crawler = crawler
        self.location = location
        self.retry_days = crawler.settings.getfloat("INCREMENTAL_RETRY_DROPPED_DAYS")
        self.remembered: dict[str, str] = {}  # URL -> why it yielded no article
        self.newly_remembered: dict[str, str] = {}
        self.stored: dict[str, str] = {}
        self.unfetched_sources: dict[str, str] = {}
        self.validators: dict[str, tuple[str | None, str | None]] = {}
        self.pending: dict[str, tuple[str | None, str | None]] = {}
        # Reads stored headlines during the crawl; at its end, saves what the next run needs.
        self.db: Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        if not (settings.getbool("INCREMENTAL_ENABLED") and settings.getbool("STORAGE_ENABLED")):
            raise NotConfigured("Set INCREMENTAL_ENABLED and STORAGE_ENABLED for incremental crawls")
        middleware = cls(crawler, store_location(settings))
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(middleware.item_dropped, signal=signals.item_dropped)
        return middleware

    def spider_opened(self, spider: Any) -> None:
        db = self.db = open_store(self.location)
        self.stored = stored_articles(db)
        self.unfetched_sources = unfetched_sources(db, self.stored)
        self.validators = load_validators(db)
        self.remembered = remembered_pages(db)
        frontier = getattr(spider, "frontier", None)
        if frontier is not None and last_walk_finished(db):
            # After an interrupted run, pages deeper in the listings may not be stored yet:
            # the walk then reads every listing page, as the first run did.
            frontier.known = self.is_known
        record_walk(db, finished=False)  # until this one finishes: a kill leaves it unfinished
        logger.info("incremental crawl: %d stored articles, %d pages remembered as no article,"
                    " %d validators from %s", len(self.stored), len(self.remembered),
                    len(self.validators), self.location)

    def is_known(self, url: str) -> bool:
        """True for a page stored by an earlier run or remembered as yielding no article."""
        return url in self.stored or url in self.remembered

    def item_dropped(self, item: Any, exception: Exception) -> None:
        # Only pages extraction found no article in (a write that failed is no fact about
        # the page). Those listing articles are remembered as listings: read every run, but
        # known, so a listing linking to them offers nothing new.
        cause = exception.__cause__
        if isinstance(cause, NoArticle) and isinstance(item, Page):
            listing = item.article_links >= LISTING_ARTICLE_LINKS
            self.newly_remembered[item.url] = LISTING if listing else str(cause)

    def process_request(self, request: Request) -> Request | None:
        if request.method != "GET" or request.url.endswith("/robots.txt"):
            return None  # robots.txt must always be read in full: its rules apply to every run
        stats = self.crawler.stats
        reason = self.remembered.get(request.url)
        if reason not in (None, LISTING) and not request.meta.get("start"):
            if stats:
                stats.inc_value("incremental/skipped_no_article")
            raise SkippedRequest(f"no article last time ({reason}): {request.url}")
        fetched_at = self.stored.get(request.url)
        if fetched_at is not None:
            if not is_newer(request.meta.get("lastmod"), fetched_at):
                if stats:
                    stats.inc_value("incremental/skipped_stored")
                source = self.unfetched_sources.pop(request.url, None)
                if source is not None and source not in self.stored:
                    # The copy is stored but its original is not (an earlier run stopped
                    # in between): fetch the original in the copy's place.
                    if stats:
                        stats.inc_value("incremental/unfetched_source_followed")
                    return request.replace(url=source, priority=10, meta={
                        **carried_over(request.meta), "source_hops": 1, "lastmod": None,
                        "via_source": request.meta.get("source")})
                title, cited = self._stored_facts(request.url)
                raise SkippedRequest(f"stored already: {request.url}", title, cited)
            if stats:
                stats.inc_value("incremental/refetched_changed")
            return None
        etag, modified = self.validators.get(request.url, (None, None))
        if etag:
            request.headers.setdefault("If-None-Match", etag)
        if modified:
            request.headers.setdefault("If-Modified-Since", modified)
        return None

    def process_response(self, request: Request, response: Response) -> Any:
        if response.status == 304:
            if self.crawler.stats:
                self.crawler.stats.inc_value("incremental/not_modified")
            raise SkippedRequest(f"not modified: {request.url}", not_modified=True)
        if response.status == 200 and is_site_page(request.url):
            self.newly_remembered[request.url] = "site page"
        if (response.status == 200 and request.url not in self.stored
                and not request.url.endswith("/robots.txt")):
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            if etag or modified:
                self.pending[request.url] = (etag.decode("latin-1") if etag else None,
                                             modified.decode("latin-1") if modified else None)
        return response

    def _stored_facts(self, url: str) -> tuple[str, str | None]:
        """The stored page's headline and the source it cites."""
        row = self.db.execute("SELECT title, source_url FROM articles WHERE url=?",
                              (url,)).fetchone() if self.db is not None else None
        return (str(row[0] or ""), row[1]) if row else ("", None)

    def spider_closed(self, reason: str) -> None:
        if self.db is None:
            return  # never opened: nothing read, nothing to save
        db, self.db = self.db, None
        if reason != "finished":
            # A shutdown cuts extraction short: such a timeout says nothing about the page.
            self.newly_remembered = {url: why for url, why in self.newly_remembered.items()
                                     if why != "timeout"}
        if self.newly_remembered:  # facts about pages, true whether the crawl finished or not
            remember_pages(db, self.newly_remembered.items(), self.retry_days)
        record_walk(db, finished=reason == "finished")
        # Validators are kept only from a crawl that finished: after an interrupted one, the
        # next run must read the listing pages again to reach what was not fetched.
        if reason == "finished" and self.pending:
            save_validators(db, ((url, *v) for url, v in self.pending.items()))
        db.close()


class RobotsTxtOnceMiddleware:
    """Reads each robots.txt once per crawl: Scrapy's RobotsTxtMiddleware reads it for the
    rules and the spider reads it for Sitemap: lines; a second request for it waits for the
    first one's answer and gets a copy."""

    MAX_FILES = 10_000
    #: Larger answers are not kept (RFC 9309 lets crawlers read only the first 500 KiB).
    MAX_BYTES = 500 * 1024

    def __init__(self) -> None:
        self.answers: dict[str, asyncio.Future[Response | None]] = {}

    async def process_request(self, request: Request) -> Response | None:
        if request.method != "GET" or not request.url.endswith("/robots.txt"):
            return None
        answer = self.answers.get(request.url)
        if answer is None:
            if len(self.answers) < self.MAX_FILES:
                self.answers[request.url] = asyncio.get_running_loop().create_future()
            return None  # the first request for it goes to the network
        response = await asyncio.shield(answer)
        return response.replace(request=request) if response is not None else None

    def process_response(self, request: Request, response: Response) -> Response:
        keep = response.status == 200 and len(response.body) <= self.MAX_BYTES
        self._answer(request, response if keep else None)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._answer(request, None)

    def _answer(self, request: Request, response: Response | None) -> None:
        answer = self.answers.get(request.url)
        if answer is not None and not answer.done():
            answer.set_result(response)
            if response is None:  # a failed fetch: the next request tries again
                del self.answers[request.url]


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
            raise SkippedRequest(f"redirect loop at {request.url}")
        return response

"""Which links a crawl follows, and how many requests each site gets.

A hostile or broken site can offer endless URLs (session ids, calendars, sort orders, pages
of 100,000 links). The frontier bounds what one page adds (`max_links_per_page`), what
one site gets in a run (`max_pages_per_site`), and recognises a listing already read under
another URL by its set of links.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from scrapy.linkextractors import IGNORED_EXTENSIONS

from crawler.urls import looks_like_listing, site_of

# Links never followed: site search results, and files that are not pages (the extensions
# Scrapy's LinkExtractor ignores: images, audio, video, archives, office documents).
_SEARCH_QUERY = re.compile(r"[?&](s|q|search)=")
_NOT_PAGE_EXTENSIONS = frozenset(IGNORED_EXTENSIONS)


def worth_following(url: str) -> bool:
    """False for site search results and links to files that are not web pages."""
    path = urlsplit(url).path.lower()
    dot = path.rfind(".")
    return not _SEARCH_QUERY.search(url) and (dot < 0 or path[dot + 1:] not in _NOT_PAGE_EXTENSIONS)


class Frontier:
    """Bounds on what a crawl asks for; `count(event, n)` records each refusal."""

    def __init__(self, max_links_per_page: int, max_pages_per_site: int,
                 count: Callable[[str, int], None]) -> None:
        self.max_links_per_page = max_links_per_page
        self.max_pages_per_site = max_pages_per_site
        self.count = count
        self._site_requests: Counter[str] = Counter()
        self._listings_seen: set[bytes] = set()
        self._admitted: set[str] = set()  # URLs requested already (each counts once)
        #: True for a URL an earlier crawl stored or found no article at (set by
        #: crawler.middlewares.IncrementalCrawlMiddleware when the crawl is incremental).
        self.known: Callable[[str], bool] = lambda url: False

    def links_to_follow(self, urls: Iterable[str]) -> list[str]:
        """The page's links worth following, in URL order, at most max_links_per_page; none
        when the page's set of links is the same as a page read before (the same listing
        under another URL)."""
        chosen = sorted({u for u in urls if worth_following(u)})
        fingerprint = hashlib.blake2b("\n".join(chosen).encode(), digest_size=16).digest()
        if len(chosen) > 1 and fingerprint in self._listings_seen:
            self.count("crawl/skipped/same_links_as_another_page", 1)
            return []
        self._listings_seen.add(fingerprint)
        if len(chosen) > self.max_links_per_page:
            self.count("crawl/skipped/links_over_page_limit", len(chosen) - self.max_links_per_page)
            chosen = chosen[: self.max_links_per_page]
        return chosen

    def offers_news(self, urls: Iterable[str]) -> bool:
        """True when some article link among `urls` is neither requested in this crawl nor
        known from an earlier one."""
        return any(not looks_like_listing(u) and u not in self._admitted and not self.known(u)
                   for u in urls)

    def is_new(self, url: str) -> bool:
        """True for a URL not admitted yet in this crawl."""
        return url not in self._admitted

    def admit(self, url: str) -> bool:
        """True, and counted against its site's budget, when `url` may be requested: not
        requested before (the engine never sees a repeated link) and within the budget."""
        if url in self._admitted:
            return False
        site = site_of(url)
        if self._site_requests[site] >= self.max_pages_per_site:
            self.count("crawl/skipped/site_page_limit", 1)
            return False
        self._site_requests[site] += 1
        self._admitted.add(url)
        return True

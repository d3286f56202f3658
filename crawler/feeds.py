"""Feeds and sitemaps: the article URLs they list, with the date each entry was updated.

Feeds are read by feedparser, sitemaps by Scrapy's own sitemap parser (entities are never
expanded). Both get bodies already bounded by DOWNLOAD_MAXSIZE.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from io import BytesIO

import feedparser
import lxml.etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots


@dataclass(frozen=True)
class Entry:
    url: str
    #: When the feed or sitemap says the entry last changed (ISO 8601), if it says.
    updated: str | None = None
    #: The headline a news sitemap gives the entry (<news:title>), if it gives one.
    title: str | None = None


def read_feed(body: bytes) -> list[Entry]:
    """The entries of an RSS or Atom feed.

    Raises:
        ValueError: when the body is not a feed.
    """
    feed = feedparser.parse(body)
    if not feed.entries and (feed.bozo or not feed.get("version")):
        raise ValueError(f"not a feed: {feed.get('bozo_exception', 'no entries')}")
    entries = []
    for item in feed.entries:
        link = item.get("link")
        if not link:
            continue
        # Keys tested with `in`: feedparser's get() of a missing "updated_parsed" warns.
        stamps = [item[k] for k in ("updated_parsed", "published_parsed") if k in item and item[k]]  # noqa: RUF019
        updated = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", max(stamps)) if stamps else None
        entries.append(Entry(link, updated))
    return entries


def read_sitemap(body: bytes, max_size: int) -> tuple[str, list[Entry]]:
    """("urlset" or "sitemapindex", the entries) of a sitemap body, gzipped or not.

    Raises:
        ValueError: when the body is not a sitemap or unpacks past `max_size` bytes.
    """
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, EOFError, ValueError) as exc:  # ValueError: Scrapy's size limit
            raise ValueError(f"bad gzip sitemap: {exc}") from None
    try:
        sitemap = Sitemap(body)
    except (StopIteration, SyntaxError) as exc:
        raise ValueError(f"not a sitemap: {exc}") from None
    if sitemap.type not in ("urlset", "sitemapindex"):
        raise ValueError(f"not a sitemap (root element {sitemap.type!r})")
    titles = _news_titles(body) if _NEWS_SITEMAP in body else {}
    return sitemap.type, [Entry(e["loc"], e.get("lastmod") or None, titles.get(e["loc"]))
                          for e in sitemap if e.get("loc")]


# The namespace of Google News sitemaps, whose entries carry their headline.
_NEWS_SITEMAP = b"/schemas/sitemap-news/"


def _news_titles(body: bytes) -> dict[str, str]:
    """loc -> <news:title> of a news sitemap's entries; parsed as Scrapy parses sitemaps
    (entities never expanded, nothing fetched)."""
    titles: dict[str, str] = {}
    parse = lxml.etree.iterparse(BytesIO(body), events=("end",), tag="{*}url", recover=True,
                                 resolve_entities=False, remove_comments=True, no_network=True)
    try:
        for _, url in parse:
            loc, title = url.findtext("{*}loc"), url.findtext("{*}news/{*}title")
            if loc and title and title.strip():
                titles[loc.strip()] = " ".join(title.split())
            url.clear()
    except lxml.etree.XMLSyntaxError:
        pass  # the entries read before the error are kept, as Scrapy's parser keeps them
    return titles


def sitemaps_in_robots(robots_txt: bytes, base_url: str) -> list[str]:
    return list(sitemap_urls_from_robots(robots_txt, base_url=base_url))

"""URL normalisation and classification; plain functions, no Scrapy."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say how a reader arrived; they never change the page.
_TRACKING_PARAM = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|ref|ref_src|ocid|cmpid|_ga|igshid|amp)$",
    re.IGNORECASE,
)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Paths of pages that are never articles: listings, pagination, site furniture.
_NON_ARTICLE_PATH = re.compile(
    r"""(^/$)
      | /(page|category|categories|section|sections|tag|tags|topic|topics|author|authors)(/|$)
      | /(about|about-us|contact|contact-us|privacy|privacy-policy|terms|imprint|advertise)/?$
      | /(feed|rss|atom)(/|$) | \.(xml|rss|atom|txt|json)$
      | /search(/|$)
    """,
    re.IGNORECASE | re.VERBOSE,
)


class BadURLError(ValueError):
    """A URL a user gave us that cannot be crawled."""


def check_start_url(url: str) -> str:
    """Return `url` stripped if it is an absolute http(s) URL with a host.

    Raises:
        BadURLError: naming the URL and what is wrong with it.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadURLError(f"malformed start URL {url!r}: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise BadURLError(f"start URL {url!r} must begin with http:// or https://")
    if not parts.hostname or " " in url or (port is not None and port <= 0):
        raise BadURLError(f"start URL {url!r} has no valid host")
    return url


def normalize_url(url: str) -> str:
    """Canonical form of an http(s) URL: lowercase host, no default port, no fragment,
    no tracking parameters. Path and the remaining query are kept as they are."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{host}:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not _TRACKING_PARAM.match(k)]
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


# AMP variants of an article's path: "/story/amp", "/amp/story", "/story.amp.html".
_AMP_PATH = re.compile(r"(/amp)+/?$|^/amp(?=/)|\.amp(?=\.html?$)", re.IGNORECASE)


@lru_cache(maxsize=1 << 16)
def url_key(url: str) -> str:
    """What identifies a page across its http/https, "www.", trailing-slash and AMP variants
    (for matching a cited URL to a crawled one; never fetched)."""
    parts = urlsplit(normalize_url(url))
    path = _AMP_PATH.sub("", parts.path).rstrip("/") or "/"
    return f"{site_of(url)}{path}" + (f"?{parts.query}" if parts.query else "")


@lru_cache(maxsize=1 << 16)
def site_of(url: str) -> str:
    """The host of a URL without a leading "www." (two hosts of one site compare equal)."""
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def looks_like_listing(url: str) -> bool:
    """True when the URL's path says the page is a listing or site furniture, not an article."""
    return bool(_NON_ARTICLE_PATH.search(urlsplit(url).path or "/"))


def is_private_host(url: str) -> bool:
    """True for loopback, private and link-local addresses and for "localhost"."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local

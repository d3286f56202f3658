"""URL normalisation and classification; plain functions, no Scrapy."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import tldextract
from w3lib.url import canonicalize_url

from crawler.egress import EgressPolicy, EgressRefused

# Query parameters that only say how a reader arrived, or which session they are in; they
# never change the page. Session ids matter most: a site that puts a new one in every link
# is an endless crawl of the same pages (a "session trap").
_TRACKING_PARAM = re.compile(
    r"""^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|ref|ref_src|ocid|cmpid|_ga|igshid|amp
        |sid|sessid|sessionid|session_id|session|phpsessid|jsessionid|aspsessionid\w*
        |cfid|cftoken|zenid|oscsid|s_cid|_hsenc|_hsmi)$""",
    re.IGNORECASE | re.VERBOSE,
)
# Session ids carried as path parameters: "/story;jsessionid=0A1B2C".
_PATH_SESSION = re.compile(r";(jsessionid|phpsessid|sid|sessionid)=[^/?#]*", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}

# Paths of site pages that are never news and rarely change: about, contact, legal.
_SITE_PAGE = r"/(about|about-us|contact|contact-us|privacy|privacy-policy|terms|imprint|advertise)/?$"
_SITE_PAGE_PATH = re.compile(_SITE_PAGE, re.IGNORECASE)
# Paths of pages that are never articles: listings, pagination, site pages.
_NON_ARTICLE_PATH = re.compile(
    rf"""(^/$)
      | /(page|category|categories|section|sections|tag|tags|topic|topics|author|authors)(/|$)
      | {_SITE_PAGE}
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


@lru_cache(maxsize=1 << 16)
def normalize_url(url: str) -> str:
    """Canonical form of an http(s) URL (w3lib's canonicalize_url: percent-encoding made
    uniform, query sorted, no fragment), with a lowercase host, no default port, and no
    tracking or session parameters."""
    parts = urlsplit(canonicalize_url(url.strip()))
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
    path = _PATH_SESSION.sub("", parts.path) or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


# AMP variants of an article's path: "/story/amp", "/amp/story", "/story.amp.html".
_AMP_PATH = re.compile(r"(/amp)+/?$|^/amp(?=/)|\.amp(?=\.html?$)", re.IGNORECASE)


#: Version of url_key's rules; stored keys made under another version are computed again.
URL_KEY_VERSION = "key-v3"  # v3: sites are registrable domains, IDNA hosts


@lru_cache(maxsize=1 << 16)
def url_key(url: str) -> str:
    """What identifies a page across its http/https, "www.", trailing-slash and AMP variants
    (for matching a cited URL to a crawled one; never fetched)."""
    parts = urlsplit(normalize_url(url))
    path = _AMP_PATH.sub("", parts.path).rstrip("/") or "/"
    return f"{site_of(url)}{path}" + (f"?{parts.query}" if parts.query else "")


# The Public Suffix List as tldextract bundles it: never fetched at run time, no cache
# written. Private suffixes count (blogspot.com, github.io): each blog there is a site.
_PUBLIC_SUFFIXES = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                         include_psl_private_domains=True)


@lru_cache(maxsize=1 << 16)
def site_of(url: str) -> str:
    """The site of a URL: its host's registrable domain, so the hosts one outlet serves
    pages from are one site ("www.", "m.", "amp.", "edition." hosts of cnn.com are
    "cnn.com"; "news.bbc.co.uk" is "bbc.co.uk"). A host under a suffix the list does not
    know (".test", ".local") keeps its last two labels; an IP address stays as it is. A
    non-ASCII host is in its IDNA form, as normalize_url writes it."""
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if not host.isascii():
        host = urlsplit(normalize_url(url)).hostname or host
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    parts = _PUBLIC_SUFFIXES.extract_str(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    return ".".join(host.split(".")[-2:])


@lru_cache(maxsize=1 << 16)
def looks_like_listing(url: str) -> bool:
    """True when the URL's path says the page is a listing or site furniture, not an article."""
    return bool(_NON_ARTICLE_PATH.search(urlsplit(url).path or "/"))


def is_site_page(url: str) -> bool:
    """True for an about, contact or legal page (read for its links once, not every run)."""
    return bool(_SITE_PAGE_PATH.search(urlsplit(url).path or "/"))


def is_private_host(url: str) -> bool:
    """True when the URL's host is a loopback, private, link-local or otherwise non-public
    address in any spelling, or a "localhost" name (see crawler.egress)."""
    try:
        EgressPolicy().check_url(url)
    except EgressRefused as refusal:
        return refusal.reason in ("private_address", "local_name")
    return False

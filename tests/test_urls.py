from __future__ import annotations

import re

import pytest

from crawler.urls import (
    BadURLError,
    check_start_url,
    is_private_host,
    looks_like_listing,
    normalize_url,
    site_of,
    url_key,
)


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://Example.TEST:80/a/b?utm_source=rss&id=3#top", "http://example.test/a/b?id=3"),
    ("https://example.test:443", "https://example.test/"),
    ("https://example.test:8443/x?fbclid=1&gclid=2", "https://example.test:8443/x"),
    ("http://example.test/story?page=2&ref=home", "http://example.test/story?page=2"),
])
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://x.test/", "example.test", "http://", "http://x.test:0/",
                                 "http://x.test:99999/", "http://exa mple.test/", ""])
def test_bad_start_urls_are_refused_with_the_url_named(url: str) -> None:
    with pytest.raises(BadURLError, match=re.escape(repr(url.strip()))):
        check_start_url(url)


def test_good_start_url_is_returned_stripped() -> None:
    assert check_start_url("  https://news.test/world/ ") == "https://news.test/world/"


@pytest.mark.parametrize(("url", "listing"), [
    ("http://a.test/", True),
    ("http://a.test/page/3/", True),
    ("http://a.test/category/world/", True),
    ("http://a.test/tag/elections", True),
    ("http://a.test/about/", True),
    ("http://a.test/rss.xml", True),
    ("http://a.test/2026/03/a-story.html", False),
    ("http://a.test/world/quake-hits-coast-4412/", False),
])
def test_listing_urls(url: str, listing: bool) -> None:
    assert looks_like_listing(url) is listing


@pytest.mark.parametrize("variant", [
    "https://www.news.test/2026/story/", "http://news.test/2026/story/amp/",
    "http://news.test/amp/2026/story", "HTTP://NEWS.TEST:80/2026/story#x",
])
def test_url_key_joins_variants_of_one_page(variant: str) -> None:
    assert url_key(variant) == url_key("http://news.test/2026/story") == "news.test/2026/story"
    assert url_key("http://news.test/2026/story.amp.html") == url_key("http://news.test/2026/story.html")
    assert url_key("http://news.test/2026/other") != url_key("http://news.test/2026/story")


@pytest.mark.parametrize("variant", [
    "http://xn--bcher-kva.de/stra%C3%9Fe/%C3%A4?q=%C3%BC",  # as Scrapy's requests carry it
    "https://www.BÜCHER.de/stra%c3%9fe/ä?q=ü",
])
def test_non_ascii_urls_match_their_encoded_forms(variant: str) -> None:
    written = "http://bücher.de/straße/ä?q=ü"  # as a page's link or a feed may write it
    assert url_key(variant) == url_key(written) == "xn--bcher-kva.de/stra%C3%9Fe/%C3%A4?q=%C3%BC"
    assert site_of(variant) == site_of(written) == "xn--bcher-kva.de"


def test_site_of_ignores_www() -> None:
    assert site_of("http://www.news.test/a") == site_of("https://news.test/b") == "news.test"


@pytest.mark.parametrize(("url", "site"), [
    ("https://edition.cnn.com/2026/x", "cnn.com"), ("https://amp.cnn.com/x", "cnn.com"),
    ("http://m.bbc.co.uk/news/1", "bbc.co.uk"), ("https://news.bbc.co.uk/", "bbc.co.uk"),
    # A blog on a hosting suffix is a site of its own, not the host's.
    ("https://riverton.blogspot.com/2026/x.html", "riverton.blogspot.com"),
    ("http://mobile.globewire.test/x", "globewire.test"),  # an unknown suffix: two labels
    ("http://127.0.0.1:8080/x", "127.0.0.1"), ("http://localhost/x", "localhost"),
])
def test_site_of_is_the_registrable_domain(url: str, site: str) -> None:
    assert site_of(url) == site


def test_url_key_joins_a_page_across_the_hosts_of_its_site() -> None:
    assert url_key("https://m.cnn.com/2026/story") == url_key("https://edition.cnn.com/2026/story/")
    assert url_key("https://m.cnn.com/2026/story") != url_key("https://m.cnn.com/2026/other")


@pytest.mark.parametrize(("url", "private"), [
    ("http://127.0.0.1/x", True), ("http://10.1.2.3/", True), ("http://localhost:8080/", True),
    ("http://192.168.0.4/", True), ("http://news.test/", False), ("http://8.8.8.8/", False),
])
def test_private_hosts(url: str, private: bool) -> None:
    assert is_private_host(url) is private

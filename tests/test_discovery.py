from __future__ import annotations

import gzip

import pytest

from crawler.discovery import HeadlineMatcher, sitemap_entry, slug_words
from crawler.feeds import Entry, read_feed, read_sitemap, sitemaps_in_robots

URLSET = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
          b"<url><loc>http://pub.test/2026/03/harbor-bridge-to-close-for-six-weeks.html</loc></url>"
          b"<url><loc>http://pub.test/2026/03/museum-reopens.html</loc></url></urlset>")


def test_headline_meets_slug_in_either_order() -> None:
    matcher = HeadlineMatcher()
    assert matcher.add_headline("Harbor Bridge to close for six weeks of repairs") == []
    urls = [e.url for e in read_sitemap(URLSET, 10_000)[1]]
    assert matcher.add_entries(urls) == ["http://pub.test/2026/03/harbor-bridge-to-close-for-six-weeks.html"]
    later = HeadlineMatcher()
    later.add_entries(urls)
    assert later.add_headline("Harbor Bridge to close for six weeks") == [
        "http://pub.test/2026/03/harbor-bridge-to-close-for-six-weeks.html"]


@pytest.mark.parametrize("headline", [
    "Museum reopens",  # too few words to tell one story from another
    "Harbor festival draws record crowd to the bridge",  # shares words, not the story
])
def test_weak_matches_are_not_fetched(headline: str) -> None:
    matcher = HeadlineMatcher()
    matcher.add_entries([e.url for e in read_sitemap(URLSET, 10_000)[1]])
    assert matcher.add_headline(headline) == []


def test_slug_words_ignore_ids_and_extensions() -> None:
    assert slug_words("http://a.test/news/quake-hits-aceh-province-12285.html") == {
        "quake", "hits", "aceh", "province"}


def test_gzipped_sitemap_index() -> None:
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>http://pub.test/sitemap-1.xml</loc></sitemap></sitemapindex>")
    assert read_sitemap(gzip.compress(index), 10_000) == (
        "sitemapindex", [Entry("http://pub.test/sitemap-1.xml")])


@pytest.mark.parametrize("body", [
    b"", b"<html><body>not a sitemap</body></html>", b"\x1f\x8b\x08garbage",
    gzip.compress(b"<urlset>" + b" " * 50_000 + b"</urlset>"),  # unpacks past the limit
    b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    b"<urlset><url><loc>&b;</loc></url></urlset>",  # entities are never expanded
])
def test_bad_sitemaps_are_refused_or_harmless(body: bytes) -> None:
    try:
        kind, entries = read_sitemap(body, 10_000)
    except ValueError:
        return
    assert all("aaaa" not in entry.url for entry in entries)


def test_sitemaps_named_in_robots() -> None:
    robots = b"User-agent: *\nDisallow: /search\nSitemap: /sitemap.xml\nSitemap: http://pub.test/news.xml\n"
    assert sitemaps_in_robots(robots, "http://pub.test/robots.txt") == [
        "http://pub.test/sitemap.xml", "http://pub.test/news.xml"]


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>A</title><link>http://pub.test/a</link><pubDate>Mon, 02 Mar 2026 08:15:00 GMT</pubDate></item>
<item><title>B</title><link>http://pub.test/b</link></item></channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>A</title><link href="http://pub.test/a"/><updated>2026-03-04T10:00:00Z</updated>
<published>2026-03-02T08:00:00Z</published></entry></feed>"""


def test_feeds_list_entries_with_their_latest_date() -> None:
    assert read_feed(RSS) == [Entry("http://pub.test/a", "2026-03-02T08:15:00+00:00"), Entry("http://pub.test/b")]
    assert read_feed(ATOM) == [Entry("http://pub.test/a", "2026-03-04T10:00:00+00:00")]


@pytest.mark.parametrize("body", [b"", b"<html><body>no feed</body></html>", b"\x00\x01binary"])
def test_not_a_feed(body: bytes) -> None:
    with pytest.raises(ValueError, match="not a feed"):
        read_feed(body)


def test_feed_with_an_entity_bomb_is_refused_or_harmless() -> None:
    lol = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10))
    bomb = (b'<?xml version="1.0"?><!DOCTYPE rss [' + lol + b']><rss version="2.0"><channel>'
            b"<title>&a9;</title><item><title>x</title><link>http://pub.test/a</link></item>"
            b"</channel></rss>")
    try:
        entries = read_feed(bomb)
    except ValueError:
        return
    assert [e.url for e in entries] == ["http://pub.test/a"]


def test_news_sitemap_entries_carry_their_headline() -> None:
    body = (b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">]>'
            b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            b"<url><loc>http://pub.test/story/1</loc><news:news><news:title> Bridge  to close\n"
            b"</news:title></news:news></url><url><loc>http://pub.test/story/2</loc></url>"
            b"<url><loc>http://pub.test/story/3</loc><news:news><news:title>&a;</news:title>"
            b"</news:news></url></urlset>")
    _, entries = read_sitemap(body, 10_000)
    assert [(e.url, e.title) for e in entries] == [
        ("http://pub.test/story/1", "Bridge to close"), ("http://pub.test/story/2", None),
        ("http://pub.test/story/3", None)]  # entities are never expanded


def test_a_news_sitemap_headline_matches_where_the_slug_cannot() -> None:
    matcher = HeadlineMatcher()
    matcher.add_headline("Harbor Bridge to close for six weeks of repairs")
    assert matcher.add_entries([sitemap_entry("http://pub.test/story/48213")]) == []
    assert matcher.add_entries([sitemap_entry(
        "http://pub.test/story/48213", "Harbor Bridge to close for six weeks")]) == [
        "http://pub.test/story/48213"]

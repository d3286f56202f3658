"""The spider's callbacks on saved responses: what it yields for each kind of page."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.utils.test import get_crawler

import settings as project_settings
from crawler.items import Page
from crawler.spiders.news import NewsSpider

ARTICLE = b"""<html><head><title>Quake hits coast</title></head><body><article><h1>Quake hits coast</h1>
<p>A strong quake hit the coast on Thursday, injuring dozens of people in three villages.</p>
<p><a href="http://wire.test/world/quake-hits-coast">Original Article</a></p>
<a href="/world/other-story/">Other story</a> <a href="http://elsewhere.test/x">Elsewhere</a>
</article></body></html>"""


@pytest.fixture
def spider() -> NewsSpider:
    values = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    crawler = get_crawler(NewsSpider, settings_dict=values)
    crawler.stats.open_spider()
    spider = NewsSpider.from_crawler(crawler, start_urls="http://agg.test/")
    return spider


def html(url: str, body: bytes, **kwargs: Any) -> HtmlResponse:
    """A response to a request of the spider's one (default) source."""
    return HtmlResponse(url, body=body, request=Request(url, meta={"source": "default"}), **kwargs)


def run(callback: Any, response: Response) -> list[Any]:
    return list(callback(response) or [])


def test_article_page_yields_page_same_site_links_and_its_source(spider: NewsSpider) -> None:
    out = run(spider.parse, html("http://agg.test/world/quake/", ARTICLE, encoding="utf-8"))
    pages = [o for o in out if isinstance(o, Page)]
    requests = {o.url: o for o in out if isinstance(o, Request)}
    assert [p.url for p in pages] == ["http://agg.test/world/quake/"]
    assert "http://agg.test/world/other-story/" in requests
    assert "http://elsewhere.test/x" not in requests  # off-site links are not crawled
    source = requests["http://wire.test/world/quake-hits-coast"]
    assert source.meta["source_hops"] == 1 and source.priority > 0


def test_listing_page_is_followed_but_not_yielded(spider: NewsSpider) -> None:
    out = run(spider.parse, html("http://agg.test/page/2/", ARTICLE, encoding="utf-8"))
    assert not any(isinstance(o, Page) for o in out)
    assert any(isinstance(o, Request) for o in out)


def test_page_on_a_sources_site_reached_without_its_meta_counts_for_the_source(spider: NewsSpider) -> None:
    # The original of a stored copy, fetched in the copy's place by the incremental crawl.
    url = "http://agg.test/world/quake/"
    response = HtmlResponse(url, body=ARTICLE, encoding="utf-8",
                            request=Request(url, meta={"source_hops": 1}))
    (page,) = [o for o in run(spider.parse, response) if isinstance(o, Page)]
    assert page.source_name == "default"


def test_offsite_page_links_are_not_followed(spider: NewsSpider) -> None:
    response = HtmlResponse("http://wire.test/world/quake-hits-coast", body=ARTICLE, encoding="utf-8",
                            request=Request("http://wire.test/world/quake-hits-coast", meta={"source_hops": 2}))
    out = run(spider.parse, response)
    assert [o.source_name for o in out if isinstance(o, Page)] == [None]
    assert not any(isinstance(o, Request) and "other-story" in o.url for o in out)


def test_non_html_responses_are_counted_not_yielded(spider: NewsSpider) -> None:
    text = TextResponse("http://agg.test/feed.txt", body=b"plain", encoding="utf-8",
                        request=Request("http://agg.test/feed.txt"))
    assert run(spider.parse, text) == []
    pdf = Response("http://agg.test/report.pdf", body=b"%PDF-1.4", request=Request("http://agg.test/report.pdf"))
    assert run(spider.parse, pdf) == []
    assert spider.crawler.stats.get_value("crawl/skipped/not_html") == 2


@pytest.mark.parametrize(("body", "headers"), [
    ("<html><body><p>Caf\u00e9 cr\u00e8me</p></body></html>".encode("cp1252"), {}),
    ("<html><body><p>Caf\u00e9 cr\u00e8me</p></body></html>".encode("cp1252"),
     {"Content-Type": "text/html; charset=windows-1252"}),
    ("\ufeff<html><body><p>Caf\u00e9 cr\u00e8me</p></body></html>".encode("utf-8"),
     {"Content-Type": "text/html; charset=iso-8859-1"}),  # BOM wins over a wrong header
    ("<html><body><p>Caf\u00e9 cr\u00e8me</p></body></html>".encode("latin-1"),
     {"Content-Type": "text/html; charset=latin-1"}),
])
def test_charsets_are_decoded(spider: NewsSpider, body: bytes, headers: dict[str, str]) -> None:
    response = html("http://agg.test/world/cafe/", body, headers=headers)
    (page,) = [o for o in run(spider.parse, response) if isinstance(o, Page)]
    assert "Caf\u00e9 cr\u00e8me" in page.html


def test_redirector_link_is_resolved_before_the_page_is_yielded(spider: NewsSpider) -> None:
    body = ARTICLE.replace(b"http://wire.test/world/quake-hits-coast", b"/go/7/")
    out = run(spider.parse, html("http://agg.test/world/quake/", body, encoding="utf-8"))
    (head,) = [o for o in out if isinstance(o, Request) and o.method == "HEAD"]
    assert head.url == "http://agg.test/go/7/" and not any(isinstance(o, Page) for o in out)
    redirect = Response(head.url, status=302, headers={"Location": "http://wire.test/q"}, request=head)
    resolved = run(spider.resolved_redirect, redirect)
    (page,) = [o for o in resolved if isinstance(o, Page)]
    assert page.redirects == {"http://agg.test/go/7/": "http://wire.test/q"}
    assert any(isinstance(o, Request) and o.url == "http://wire.test/q" for o in resolved)


def test_a_source_card_behind_the_sites_redirector_is_resolved(spider: NewsSpider) -> None:
    """A card that shows only the outlet's logo, linked through the aggregator's own
    redirector: on a page with no other source, the link is fetched (once a crawl), and
    the logo's name then agrees with where it leads."""
    card = b'<div class="src"><a href="/out/5521/"><img src="/l.png" alt="Coast Wire"></a></div>'
    body = ARTICLE.replace(b'<p><a href="http://wire.test/world/quake-hits-coast">Original Article</a></p>', card
                           ).replace(b' <a href="http://elsewhere.test/x">Elsewhere</a>', b"")
    out = run(spider.parse, html("http://agg.test/world/quake/", body, encoding="utf-8"))
    (ask,) = [o for o in out if isinstance(o, Request) and o.url == "http://agg.test/out/5521/"]
    assert ask.callback == spider.resolved_card and not any(isinstance(o, Page) for o in out)
    target = "http://coastwire.test/news/2026/quake"
    redirect = Response(ask.url, status=302, headers={"Location": target}, request=ask)
    (page,) = [o for o in run(spider.resolved_card, redirect) if isinstance(o, Page)]
    assert page.source_link is not None and page.source_link.url == target
    assert page.source_link.evidence == "link:outlet name"
    # The next page showing the card is not held: where the card leads is known.
    again = run(spider.parse, html("http://agg.test/world/quake-2/", body, encoding="utf-8"))
    assert not any(isinstance(o, Request) and o.url == ask.url for o in again)
    (page,) = [o for o in again if isinstance(o, Page)]
    assert page.source_link is not None and page.source_link.url == target


def test_a_card_link_that_is_a_page_of_the_site_is_crawled_as_one(spider: NewsSpider) -> None:
    card = b'<p><a href="/a/5521/">Harbour news</a></p>'
    body = ARTICLE.replace(b'<p><a href="http://wire.test/world/quake-hits-coast">Original Article</a></p>', card
                           ).replace(b' <a href="http://elsewhere.test/x">Elsewhere</a>', b"")
    out = run(spider.parse, html("http://agg.test/world/quake/", body, encoding="utf-8"))
    (ask,) = [o for o in out if isinstance(o, Request) and o.url == "http://agg.test/a/5521/"]
    answer = HtmlResponse(ask.url, body=ARTICLE, encoding="utf-8", request=ask)
    pages = [o for o in run(spider.resolved_card, answer) if isinstance(o, Page)]
    assert [p.url for p in pages] == ["http://agg.test/world/quake/", "http://agg.test/a/5521/"]
    assert pages[0].redirects == {}


def test_an_off_site_page_asks_about_no_card_link(spider: NewsSpider) -> None:
    """A cited publisher's page is not crawled further, card links included."""
    card = b'<div class="src"><a href="/out/5521/"><img src="/l.png" alt="Coast Wire"></a></div>'
    body = ARTICLE.replace(b'<p><a href="http://wire.test/world/quake-hits-coast">Original Article</a></p>', card
                           ).replace(b' <a href="http://elsewhere.test/x">Elsewhere</a>', b"")
    url = "http://publisher.test/world/quake/"
    out = run(spider.parse, HtmlResponse(url, body=body, encoding="utf-8", request=Request(url)))
    assert not any(isinstance(o, Request) and "/out/" in o.url for o in out)
    assert [o.url for o in out if isinstance(o, Page)] == [url]


def test_a_page_with_a_source_asks_about_no_card_link(spider: NewsSpider) -> None:
    card = b'<div class="src"><a href="/out/5521/"><img src="/l.png" alt="Coast Wire"></a></div>'
    body = ARTICLE.replace(b"</article>", card + b"</article>")
    out = run(spider.parse, html("http://agg.test/world/quake/", body, encoding="utf-8"))
    assert not any(isinstance(o, Request) and o.method == "HEAD" for o in out)
    (page,) = [o for o in out if isinstance(o, Page)]
    assert page.source_link is not None and page.source_link.url == "http://wire.test/world/quake-hits-coast"


NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>http://wire.test/story/48213</loc><news:news><news:publication><news:name>Wire</news:name>
<news:language>en</news:language></news:publication>
<news:publication_date>2026-03-05T08:00:00Z</news:publication_date>
<news:title>Strong quake shakes coast, injuring dozens in three villages</news:title></news:news></url>
<url><loc>http://wire.test/story/48214</loc><news:news>
<news:title>Harbor festival draws record crowd</news:title></news:news></url>
</urlset>"""


def test_a_copys_original_is_found_by_its_news_sitemap_headline(spider: NewsSpider) -> None:
    # The copy names no source; the wire's URLs are bare IDs, so only the headline a news
    # sitemap gives each entry can pair the copy with its original.
    copy = ARTICLE.replace(b"Quake hits coast</h1>",
                           b"Strong quake shakes coast, injuring dozens in three villages</h1>")
    copy = copy.replace(b'<p><a href="http://wire.test/world/quake-hits-coast">Original Article</a></p>', b"")
    run(spider.parse, html("http://agg.test/world/quake/", copy, encoding="utf-8"))
    sitemap = TextResponse("http://wire.test/news-sitemap.xml", body=NEWS_SITEMAP,
                           request=Request("http://wire.test/news-sitemap.xml"))
    fetched = [o.url for o in run(spider.parse_sitemap, sitemap) if isinstance(o, Request)]
    assert fetched == ["http://wire.test/story/48213"]

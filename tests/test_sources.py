from __future__ import annotations

import pytest

from pipelines.sources import (
    SourceLink,
    card_links_to_resolve,
    find_source_link,
    links_to_resolve,
    parse_markup,
)

PAGE = "http://aggregator.test/world/quake-4411/"


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body><article>{body}</article></body></html>"


def source_of(html: str, url: str = PAGE, redirects: dict[str, str] | None = None) -> SourceLink | None:
    markup = parse_markup(html, url, redirects)
    assert markup is not None
    return find_source_link(markup)


@pytest.mark.parametrize(("body", "evidence"), [
    ('<p><a href="http://wire.test/quake">Original Article</a></p>', "link:original article"),
    ('<p>Source: <a href="http://wire.test/quake">Wire</a></p>', "link-after:source"),
    ('<p class="via">via <a href="http://wire.test/quake">The Wire</a></p>', "link-after:via"),
    ('<p>This article first appeared on <a href="http://wire.test/quake">wire.test</a>.</p>',
     "link-after:first appeared on"),
    ('<p>Continue reading the original article <a href="http://wire.test/quake">Wire</a></p>',
     "link-after:continue reading the original article"),
    ('<p>Read more at: <a href="http://wire.test/quake">The Wire</a></p>', "link-after:read more at"),
    ('<p>Quelle: <a href="http://wire.test/quake">Wire</a></p>', "link-after:quelle"),
    ('<p>Reprinted with permission from <a href="http://wire.test/quake">The Wire</a>.</p>',
     "link-after:reprinted with permission from"),
    ('<p>Republished here with the kind permission of <a href="http://wire.test/quake">Wire</a></p>',
     "link-after:republished here with the kind permission of"),
    # Link words that say where the text came from, with a verb or noun that say "link".
    ('<p><a href="http://wire.test/quake">Source link</a></p>', "link:source link"),
    ('<div class="x"><a href="http://wire.test/quake">View original</a></div>', "link:view original"),
    # ... and where: a name, a domain, or "here".
    ('<p><a href="http://wire.test/quake">Read the original story on The Wire</a></p>',
     "link:read the original story on the wire"),
    ('<p><a href="http://wire.test/quake">View the full article at wire.test</a></p>',
     "link:view the full article at wire.test"),
    ('<p><a href="http://wire.test/quake">Read the full article here</a></p>',
     "link:read the full article here"),
    ('<p>This article appeared in <a href="http://wire.test/quake">The Wire</a></p>',
     "link-after:this article appeared in"),
    ('<p>H/T <a href="http://wire.test/quake">The Wire</a></p>', "link-after:h/t"),
    # A feed-syndication plugin's post whose permalink is its original.
    ('<h1><a rel="bookmark" href="http://wire.test/quake">Quake toll rises</a></h1>',
     "markup:bookmark"),
    # The lead-in one inline element away from the link.
    ('<p>Source: <strong><a href="http://wire.test/quake">Wire</a></strong></p>',
     "link-after:source"),
    # The label on the line before: a line break, a term and its value, a heading and the
    # block it heads, a table's header cell (label-value layouts of source boxes).
    ('<p><strong>Source:</strong><br><a href="http://wire.test/quake">The Wire</a></p>',
     "link-after:source"),
    ('<p>Source:<br><br><a href="http://wire.test/quake">The Wire</a></p>', "link-after:source"),
    ('<dl><dt>Originally published at</dt><dd><a href="http://wire.test/quake">The Wire</a></dd></dl>',
     "link-after:originally published at"),
    ('<div class="box"><h4>Source</h4><p><a href="http://wire.test/quake">The Wire</a></p></div>',
     "link-after:source"),
    ('<table><tr><th>Fuente</th><td><a href="http://wire.test/quake">El Cable</a></td></tr></table>',
     "link-after:fuente"),
    # Ending a long paragraph, the lead-in still attributes.
    ("<p>" + "The minister said the quake damaged roads and bridges in the north. " * 5
     + 'via <a href="http://wire.test/quake">The Wire</a>.</p>', "link-after:via"),
])
def test_attribution_links(body: str, evidence: str) -> None:
    assert source_of(page(body)) == SourceLink("http://wire.test/quake", evidence)


NUMBERED = "http://kurier.test/news/story/98231457"  # a URL that spells no headline


@pytest.mark.parametrize(("body", "evidence"), [
    # The languages we support, beside English: the source, first published in, read on at.
    (f'<p>Zuerst erschienen bei <a href="{NUMBERED}">Der Kurier</a></p>',
     "link-after:zuerst erschienen bei"),
    (f'<p>Weiterlesen auf <a href="{NUMBERED}">Der Kurier</a></p>', "link-after:weiterlesen auf"),
    (f'<p>Lire la suite sur <a href="{NUMBERED}">Le Courrier</a></p>',
     "link-after:lire la suite sur"),
    (f'<p>Publié initialement sur <a href="{NUMBERED}">Le Courrier</a>.</p>',
     "link-after:publié initialement sur"),
    (f'<p><a href="{NUMBERED}">Lire l’article original</a></p>', "link:lire l’article original"),
    (f'<p>Publicado originalmente en <a href="{NUMBERED}">El Correo</a></p>',
     "link-after:publicado originalmente en"),
    (f'<p><a href="{NUMBERED}">Ver artículo original</a></p>', "link:ver artículo original"),
    (f'<p>Vía <a href="{NUMBERED}">El Correo</a></p>', "link-after:vía"),
    (f'<p>Leggi l\'articolo completo su <a href="{NUMBERED}">Il Corriere</a></p>',
     "link-after:leggi l'articolo completo su"),
    (f'<p><a href="{NUMBERED}">Articolo originale</a></p>', "link:articolo originale"),
    (f'<p>Bron: <a href="{NUMBERED}">De Koerier</a></p>', "link-after:bron"),
    (f'<p>Oorspronkelijk gepubliceerd op <a href="{NUMBERED}">De Koerier</a></p>',
     "link-after:oorspronkelijk gepubliceerd op"),
    (f'<p>Publicado originalmente no <a href="{NUMBERED}">O Correio</a></p>',
     "link-after:publicado originalmente no"),
    (f'<p><a href="{NUMBERED}">Leia o artigo original</a></p>', "link:leia o artigo original"),
])
def test_attribution_in_the_other_languages_we_support(body: str, evidence: str) -> None:
    assert source_of(page(body)) == SourceLink(NUMBERED, evidence)


@pytest.mark.parametrize("body", [
    # "Read more" leads to another story (the seed page's "READ MORE ►" teaser), as does a
    # related link in any language.
    f'<p><a href="{NUMBERED}">Lire la suite</a></p>',
    f'<p><a href="{NUMBERED}">Weiterlesen</a></p>',
    f'<p>Leia também: <a href="{NUMBERED}">Outra notícia</a></p>',
])
def test_read_on_links_without_a_place_are_no_attribution(body: str) -> None:
    assert source_of(page(body)) is None


@pytest.mark.parametrize(("head", "evidence"), [
    ('<link rel="canonical" href="http://wire.test/quake">', "rel=canonical"),
    ('<meta property="og:url" content="http://wire.test/quake">', "og:url"),
    ('<meta name="syndication-source" content="http://wire.test/quake">', "meta:syndication-source"),
    ('<meta name="original-source" content="http://wire.test/quake">', "meta:original-source"),
    # The same declarations in other vocabularies and syntaxes: Dublin Core terms, RDFa,
    # schema.org microdata.
    ('<meta name="DCTERMS.source" content="http://wire.test/quake">', "meta:dcterms.source"),
    ('<link property="dc:source" href="http://wire.test/quake">', "markup:dc:source"),
    ('<link rel="http://purl.org/dc/terms/source" href="http://wire.test/quake">',
     "markup:http://purl.org/dc/terms/source"),
    ('<link itemprop="isBasedOn" href="http://wire.test/quake">', "markup:isbasedon"),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "isBasedOn": '
     '"http://wire.test/quake"}</script>', "json-ld:isBasedOn"),
    ('<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle",'
     ' "mainEntityOfPage": {"@id": "http://wire.test/quake"}}]}</script>', "json-ld:mainEntityOfPage"),
])
def test_head_signals(head: str, evidence: str) -> None:
    assert source_of(page("<p>Text.</p>", head)) == SourceLink("http://wire.test/quake", evidence)


def test_json_ld_of_objects_other_than_the_article_names_no_source() -> None:
    head = ('<script type="application/ld+json">{"@graph": [{"@type": "ImageObject", "url": '
            '"http://cdn.test/images/quake"}, {"@type": "Organization", "url": '
            '"http://owner.test/about"}, {"@type": "NewsArticle", "headline": "Quake"}]}</script>')
    assert source_of(page("<p>Text.</p>", head)) is None


def test_visible_attribution_beats_head_signals_and_is_normalised() -> None:
    html = page('<p><a href="//Wire.test:80/quake?utm_source=agg#top">Original Article</a></p>',
                '<link rel="canonical" href="http://other.test/x">')
    assert source_of(html) == SourceLink("http://wire.test/quake", "link:original article")


@pytest.mark.parametrize("body", [
    # Related-articles teasers, share buttons, tags and authors are not sources.
    '<h2><a rel="bookmark" href="http://aggregator.test/world/other-story/">Other</a></h2>',
    '<div class="related"><h3><a href="http://other.test/story">Another story</a></h3></div>',
    '<p>Share: <a href="https://twitter.com/intent/tweet?url=x">Twitter</a></p>',
    '<p>Tags: <a href="http://aggregator.test/tag/quake">quake</a></p>',
    '<p>Source: <a href="http://wire.test/">The Wire</a></p>',  # a home page, not an article
    # A heading over a list of references labels the list, not one link of it.
    '<h3>Sources</h3><ul><li><a href="http://wire.test/quake">Quake toll rises</a></li>'
    '<li><a href="http://other.test/report">A report</a></li></ul>',
    # A label's value is the block that holds the link alone, not a paragraph that cites it.
    '<h4>Source</h4><p>The figures come from <a href="http://wire.test/quake">a survey</a> '
    'of forty towns along the coast, published last week by the authority.</p>',
    # Hrefs that are not web links, or point back at this page or its site.
    '<p>Source: <a href="javascript:void(0)">x</a></p>',
    '<p>Source: <a href="mailto:desk@wire.test">x</a></p>',
    '<p>Source: <a href="data:text/html,hi">x</a></p>',
    '<p>Source: <a href="http://[broken/x">x</a></p>',
    '<p>Source: <a href="http://wire.test:99999/x">x</a></p>',
    f'<p><a href="{PAGE}">Original Article</a></p>',
    '<p><a href="/world/other-story">Original Article</a></p>',
    # Lead-in words that credit a picture, or belong to a sentence of the article.
    '<figure><img src="q.jpg"><figcaption>Photo via <a href="http://photos.test/set/12">'
    "Agency</a></figcaption></figure>",
    '<div class="wp-caption"><p>Credit: <a href="http://photos.test/set/12">Agency</a></p></div>',
    "<p>" + "The minister said the quake damaged roads and bridges in the north. " * 3
    + 'A report first published on <a href="http://wire.test/report">wire.test</a> last week'
    " counted the damage in every district of the province.</p>",
    '<p>Source: <a href="http://wire.test/photos/quake.jpg">Wire</a></p>',  # a picture
    # A "source" of no vocabulary that means the copied article.
    '<p><a rel="nofollow source" href="http://wire.test/quake">Quake toll rises</a></p>',
    '<p><a property="podcast:source" href="http://wire.test/quake">Quake toll rises</a></p>',
    # A private address named by a public page.
    '<p>Source: <a href="http://127.0.0.1/admin">x</a></p>',
    '<p>Source: <a href="http://192.168.1.1/story">x</a></p>',
])
def test_no_source_is_invented(body: str) -> None:
    assert source_of(page(body)) is None


def test_same_site_attribution_link_is_resolved_through_its_redirect() -> None:
    html = page('<p><a href="/go/12/">Original Article</a></p>')
    markup = parse_markup(html, PAGE)
    assert markup is not None
    assert links_to_resolve(markup) == ["http://aggregator.test/go/12/"]
    redirects = {"http://aggregator.test/go/12/": "http://wire.test/quake"}
    assert source_of(html, redirects=redirects) == SourceLink("http://wire.test/quake",
                                                              "link:original article")


def test_a_card_link_to_the_sites_redirector_may_be_resolved() -> None:
    """A short name or a logo linked to a URL of the page's own site that names nothing
    ("/out/5521/") may be a redirector to the source; a link to one of the site's named
    pages ("/world/bridge-reopens/") is not asked about."""
    html = page('<p><a href="/world/bridge-reopens-after-repairs/">Bridge reopens</a></p>'
                '<div class="src"><a href="/out/5521/"><img src="l.png" alt="Harbor Courier"></a></div>'
                '<p><a href="/go/12/">Original Article</a></p>')
    markup = parse_markup(html, PAGE)
    assert markup is not None
    assert links_to_resolve(markup) == ["http://aggregator.test/go/12/"]
    assert list(card_links_to_resolve(markup)) == ["http://aggregator.test/out/5521/"]
    card_only = html.replace('<p><a href="/go/12/">Original Article</a></p>', "")
    redirects = {"http://aggregator.test/out/5521/": BY_ID}
    assert source_of(card_only, redirects=redirects) == SourceLink(BY_ID, "link:outlet name")


@pytest.mark.parametrize("html", ["", "   ", "\x00\x01binary"])
def test_unparsable_pages_give_no_markup_or_no_source(html: str) -> None:
    markup = parse_markup(html, PAGE)
    assert markup is None or find_source_link(markup) is None


ORIGINAL = "http://wire.test/news/2026/03/harbor-bridge-closes-for-repairs.html"
HEADLINE = "<h1>Harbor bridge closes for repairs</h1>"


@pytest.mark.parametrize("card", [
    f'<div class="card"><a href="{ORIGINAL}"><img src="logo.png" alt="The Wire"></a></div>',
    f'<p>Quellenangabe <a href="{ORIGINAL}">hier</a></p>',
])
def test_a_link_whose_url_spells_the_headline_is_the_source(card: str) -> None:
    assert source_of(page(HEADLINE + "<p>The bridge closed on Monday.</p>" + card)) == \
        SourceLink(ORIGINAL, "link:headline in url")


@pytest.mark.parametrize("body", [
    # Inside a sentence of the article, the link cites; it does not name the copied page.
    "<p>" + "Crews inspected the cables and the deck of the old harbor bridge all week. " * 3
    + f'As <a href="{ORIGINAL}">the Wire reported</a>, the city will pay for the work.</p>',
    # A link to another story of the same outlet.
    '<p><a href="http://wire.test/news/2026/03/museum-reopens-after-three-years.html">x</a></p>',
    # A URL with too few words to tell.
    '<p><a href="http://wire.test/news/bridge-repairs">x</a></p>',
])
def test_links_not_named_like_the_headline_are_no_source(body: str) -> None:
    assert source_of(page(HEADLINE + body)) is None


BY_ID = "http://harborcourier.test/story/48213"


@pytest.mark.parametrize(("card", "evidence"), [
    # URLs that are bare IDs: the card's logo, or the link's words, name what it copies.
    (f'<div class="src"><a href="{BY_ID}"><img src="l.png" alt="The Harbor Courier"></a></div>',
     "link:outlet name"),
    (f'<p><a href="{BY_ID}">Harbor Courier</a></p>', "link:outlet name"),
    (f'<p><a href="{BY_ID}">Harbor bridge closes for repairs</a></p>', "link:headline as text"),
    # A logo link named the way screen readers read it: its aria-label, or its title.
    (f'<div class="src"><a href="{BY_ID}" aria-label="The Harbor Courier"><img src="l.png"></a></div>',
     "link:outlet name"),
    (f'<div class="src"><a href="{BY_ID}" title="Harbor Courier"><span class="logo"></span></a></div>',
     "link:outlet name"),
])
def test_a_link_naming_its_outlet_or_the_headline_is_the_source(card: str, evidence: str) -> None:
    assert source_of(page(HEADLINE + "<p>The bridge closed on Monday.</p>" + card)) == \
        SourceLink(BY_ID, evidence)


@pytest.mark.parametrize("body", [
    # Words of the link that happen to hold the domain's letters, not its name.
    '<p><a href="http://other.test/story/12">Another story</a></p>',
    # The outlet named inside a sentence of the article.
    "<p>" + "Crews inspected the cables and the deck of the old harbor bridge all week. " * 3
    + f'The <a href="{BY_ID}">Harbor Courier</a> said the city will pay for the work.</p>',
    # The outlet's home page: a credit, not the copied article.
    '<p><a href="http://harborcourier.test/">Harbor Courier</a></p>',
])
def test_no_outlet_link_is_invented(body: str) -> None:
    assert source_of(page(HEADLINE + body)) is None

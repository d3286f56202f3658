"""Find the original a republished page says it copies, with the signal that said so.

Pure functions over HTML text. The page's markup is parsed once into `PageMarkup`; each
signal is one small function; `find_source_link` tries them from the most explicit
(a visible attribution link) to the least (a cross-site og:url).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urljoin, urlsplit

import lxml.html
from lxml import etree

from crawler.urls import is_private_host, normalize_url, site_of
from pipelines.credits import find_credit
from pipelines.jsonld import jsonld_objects
from pipelines.metadata import is_article_type


@dataclass(frozen=True)
class SourceLink:
    url: str
    #: Which signal found it, e.g. "link:original article", "meta:syndication-source".
    evidence: str


@dataclass(frozen=True)
class Anchor:
    href: str
    text: str
    #: Text of the enclosing block that stands before the link ("Source: " in "Source: <a>").
    lead: str
    #: False for a link in a figure or caption, or in the middle of a long paragraph: where
    #: it belongs to a sentence or a picture credit, not to an attribution. Read only for
    #: links that could name a source (after attribution words, or to another host).
    standalone: bool = True


@dataclass(frozen=True)
class PageMarkup:
    """What the source signals need from a page, parsed once."""

    url: str
    canonical: str | None
    og_url: str | None
    meta_sources: tuple[tuple[str, str], ...]  # (evidence, URL) declared by the markup
    jsonld: tuple[dict[str, object], ...]
    anchors: tuple[Anchor, ...]
    #: Text of the body's paragraphs and short blocks, in order (for datelines and credits).
    blocks: tuple[str, ...] = ()
    #: Links this page holds that redirect elsewhere: link URL -> final URL (the spider
    #: resolves an aggregator's own redirector links, "/go/123", before the page is processed).
    redirects: Mapping[str, str] = field(default_factory=dict)
    #: The page's headline: its first <h1>, else its <title> (for finding originals).
    headline: str = ""


# Link text that is itself an attribution (shared with boilerplate's text cleanup, which
# drops such a line): the word for where the text came from, with at most a verb and a
# noun that say "link", and where ("Original Article", "Source", "Source link", "View
# original", "Go to source", "Full story", "Read the full article here", "Read the original
# story on The Courier", "Quelle"), in the languages we support; the Romance languages put
# the noun first ("Lire l'article original", "Ver artículo original", "Leia o artigo
# original").
ATTRIBUTION_LINK_TEXT = re.compile(
    r"^\W*((view|see|visit|open|go\s+to|read|link\s+to|zum|lees\s+het)\s+)?(the\s+)?"
    r"((original|source|quelle|originalartikel|originalbeitrag|fuente|fonte|originale|bron"
    r"|origineel|originele)"
    r"(\s+(article|story|post|report|link|page|text|here|artikel|art[íi]culo|articolo|bericht))?"
    r"|full\s+(article|story|report|text))"
    r"(\s+(here|(on|at|from|in)\s+(the\s+)?((?-i:[A-Z0-9])\S*(\s+(?-i:[A-Z0-9&])\S*){0,5}"
    r"|[\w-]+(\.[\w-]+)+)))?\W*$"
    r"|^\W*continue\s+reading\s+(at|on)\b.*$"
    r"|^\W*((lire|voir|leer|ver|leggi|leia|ler)\s+)?(l['’]|le\s+|el\s+|la\s+|o\s+|a\s+)?"
    r"(article|art[íi]culo|articolo|artigo|noticia|not[íi]cia|notizia)\s+(original|originale)\W*$",
    re.IGNORECASE,
)
# Words that introduce an attribution, in the languages we support: read by the source
# stage right before a link ("via <a>", "Source: <a>", "Publicado originalmente en <a>"), and
# by text cleanup at the start of a line, which drops the line when nothing but a name
# follows ("via Valley Tribune", not "Via Rail cancelled...").
ATTRIBUTION_LEAD_INS = (
    r"via|sources?|(originally|first)\s+(published|appeared|posted)(\s+(on|at|in|by))?"
    r"|read\s+more\s+at|(continue|keep|read)\s+reading(\s+(at|on))?(\s+the)?"
    r"(\s+(original|full))?(\s+(article|story|report|post))?(\s+(at|on|from))?"
    r"|(read|see)\s+(the\s+)?(original|full)\s+(article|story|report)(\s+(at|on|from))?"
    r"|((this|the)\s+(article|story|post|piece|report)\s+)?appeared\s+(in|on|at)"
    r"|h/t|hat\s+tip(\s+to)?|(content|article|story)\s+(provided|supplied)\s+by"
    r"|original\s+(article|story|report|post)(\s+(at|on|from))?"
    r"|credit|courtesy(\s+of)?|copied\s+from"
    r"|(re(published|printed|produced|posted)|syndicated|cross-?posted)"
    r"(\s+(here\s+)?with\s+(the\s+)?(kind\s+)?permission)?\s+(from|of|by)"
    # German, French, Spanish, Italian, Dutch, Portuguese: the source; first published in;
    # read on at.
    r"|quelle|fuente|fonte|bron|vía"
    r"|(zuerst|urspr[üu]nglich)\s+(erschienen|ver[öo]ffentlicht)(\s+(in|auf|bei))?"
    r"|weiterlesen(\s+(auf|bei|in))?"
    r"|(publi[ée]e?\s+(initialement|originellement|d['’]abord)|(initialement|originellement)"
    r"\s+publi[ée]e?)(\s+(sur|dans|par))?|lire\s+la\s+suite(\s+(sur|dans))?"
    r"|(publicad[oa]\s+originalmente|originalmente\s+publicad[oa])(\s+(en|em|no|na|por))?"
    r"|(leer|lea)\s+m[áa]s\s+en|(leia|ler)\s+mais\s+(em|no|na)"
    r"|(pubblicato\s+originariamente|originariamente\s+pubblicato)(\s+(su|in|da))?"
    r"|leggi\s+(tutto|di\s+pi[ùu]|l['’]articolo(\s+completo)?)\s+su"
    r"|oorspronkelijk\s+gepubliceerd(\s+(op|in|door|bij))?|lees\s+verder\s+(op|bij)"
)
_ATTRIBUTION_LEAD = re.compile(rf"\b({ATTRIBUTION_LEAD_INS})\s*[:\-–—]?\s*$",
                               re.IGNORECASE)
# Names under which markup declares what a page copies: Google News' tags, schema.org's
# isBasedOn, Dublin Core's source; written as a meta tag's name or property, a microdata
# itemprop or an RDFa property or rel, with or without a vocabulary prefix ("dcterms.source",
# "dc:source", "schema:isBasedOn", "http://purl.org/dc/terms/source").
_SOURCE_NAMES = frozenset({"original-source", "syndication-source", "isbasedon", "isbasedonurl"})
_DUBLIN_CORE_SOURCE = "source"
_DUBLIN_CORE_PREFIX = re.compile(r"^(dc|dcterms|dct)[.:]$|purl\.org/dc/(terms|elements/1\.1)/$")
_NAME_PARTS = re.compile(r"^(?P<prefix>.*?)(?P<local>[^.:/#]+)$")
# A post's own permalink (rel=bookmark) that leads to another site: how feed-syndication
# plugins (FeedWordPress, WP RSS Aggregator) link a copied post's title to its original.
_PERMALINK = "bookmark"
_DECLARING_ATTRIBUTES = {"meta": ("name", "property", "itemprop"),
                         "link": ("rel", "property", "itemprop"),
                         "a": ("rel", "property", "itemprop")}
# Hosts whose links are sharing buttons or embeds, never an article's origin.
_SOCIAL_SITES = (
    "facebook.com", "twitter.com", "x.com", "t.co", "linkedin.com", "pinterest.com",
    "reddit.com", "whatsapp.com", "wa.me", "instagram.com", "youtube.com", "tiktok.com",
    "telegram.me", "t.me", "plus.google.com", "mailto",
)
_LEAD_CHARS = 60
_NOT_ARTICLE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".svg", ".avif", ".mp4",
                         ".mp3", ".pdf", ".zip")
# Where a link sits decides what its lead-in words mean. Inside a figure or caption they
# credit a picture; inside running prose ("published via <a>X</a> last week, the study...")
# they are part of a sentence. An attribution stands on its own line, or ends its paragraph.
_INLINE_TAGS = frozenset("strong b em i u span small font cite mark sup sub".split())
_PROSE_WORDS = 40
_WORDS_AFTER_ATTRIBUTION = 3
_BLOCK_TAGS = frozenset(
    "p div section article aside header footer nav ul ol li dl dt dd table tr th td "
    "h1 h2 h3 h4 h5 h6 "
    "blockquote figure figcaption br hr pre form".split()
)
_BLOCK_CHARS = 400


def parse_markup(html: str, url: str, redirects: Mapping[str, str] | None = None
                 ) -> PageMarkup | None:
    """Parse the parts of a page the source signals read; None for an unparsable page."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    return markup_of(root, url, redirects)


def markup_of(root: lxml.html.HtmlElement, url: str,
              redirects: Mapping[str, str] | None = None) -> PageMarkup:
    """What the source signals read of a parsed page (the tree is not changed)."""
    canonical = _first_attr(root, '//link[@rel="canonical"]/@href')
    og_url = _first_attr(root, '//meta[@property="og:url"]/@content')
    links = _links_read(root)
    meta_sources = tuple(_declared_sources([*root.iter("meta", "link"), *links]))
    jsonld = tuple(jsonld_objects(root))
    anchors = tuple(_anchors(links, url))
    furniture = _furniture(root)
    blocks = tuple(
        text for block in root.iter("p", "div", "span", "blockquote")
        if (len(block) == 0 or block.tag == "p") and block not in furniture
        if (text := " ".join(block.text_content().split())) and len(text) < _BLOCK_CHARS
    )
    heading = root.find(".//h1")
    if heading is None:
        heading = root.find(".//title")
    headline = " ".join(heading.text_content().split())[:1000] if heading is not None else ""
    return PageMarkup(url, canonical, og_url, meta_sources, jsonld, anchors, blocks,
                      dict(redirects or {}), headline)


def _declared_sources(elements: Iterable[lxml.html.HtmlElement]) -> Iterator[tuple[str, str]]:
    """(evidence name, URL) of every source the markup of `elements` (meta, link and a
    elements) declares: meta tags ("meta:dc.source"), and links named by rel, itemprop or
    property ("markup:isbasedon")."""
    for element in elements:
        value = element.get("content") if element.tag == "meta" else element.get("href")
        if not value:
            continue
        for attribute in _DECLARING_ATTRIBUTES[element.tag]:
            for name in str(element.get(attribute) or "").lower().split():
                parts = _NAME_PARTS.match(name)
                if parts and (parts["local"] in _SOURCE_NAMES or (
                        parts["local"] == _DUBLIN_CORE_SOURCE
                        and _DUBLIN_CORE_PREFIX.search(parts["prefix"])) or (
                        element.tag == "a" and name == _PERMALINK)):
                    kind = "meta" if element.tag == "meta" else "markup"
                    yield f"{kind}:{name}", str(value).strip()


def find_attribution(html: str, url: str, site: str | None,
                     redirects: Mapping[str, str] | None = None) -> tuple[SourceLink | None, str | None]:
    """What a page says it copies: its source link and the outlet its text credits."""
    markup = parse_markup(html, url, redirects)
    if markup is None:
        return None, None
    return find_source_link(markup), find_credit(markup.blocks, site)


def links_to_resolve(markup: PageMarkup) -> list[str]:
    """Attribution links that point at the page's own site: usually a redirector ("/go/12")
    whose target is the real source. The spider resolves them before the page is processed,
    and does not crawl them as pages."""
    return [url for anchor in markup.anchors if _is_attribution(anchor)
            if (url := _own_link(markup, anchor.href)) is not None]


def card_links_to_resolve(markup: PageMarkup) -> Iterator[str]:
    """Links to the page's own site that may be a source card's behind a redirector: a
    short name or a logo linked to a URL that names nothing ("/out/5521/"). The spider asks
    where they lead when the page has no attribution link to resolve; they may be the
    site's own pages, so they are crawled as well. Lazily: the spider asks about one."""
    for anchor in markup.anchors:
        if not 0 < len(anchor.text.split()) <= _OUTLET_NAME_MAX_WORDS or _is_attribution(anchor):
            continue
        url = _own_link(markup, anchor.href)
        if url is not None and _names_nothing(url):
            yield url


def _own_link(markup: PageMarkup, href: str) -> str | None:
    url = resolve_href(href, markup.url)
    if url is None or url == markup.url or site_of(url) != site_of(markup.url):
        return None
    return url


def _names_nothing(url: str) -> bool:
    """True for a URL whose path, after its first segment, holds no run of three letters
    ("/go/48213", "/out/a7f3/"): an ID, where a page of the site would carry a name."""
    segments = [part for part in urlsplit(url).path.split("/") if part]
    return len(segments) >= 2 and not any(_WORD_IN_PATH.search(part) for part in segments[1:])


_WORD_IN_PATH = re.compile(r"[^\W\d_]{3,}")


def find_source_link(markup: PageMarkup) -> SourceLink | None:
    """The original this page says it copies, or None when it names none."""
    for signal in _SIGNALS:
        found = signal(markup)
        if found is not None:
            return found
    return None


def resolve_href(href: str, base: str) -> str | None:
    """Absolute, normalised http(s) URL of `href` on page `base`; None if it is not a web link."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    try:
        absolute = urljoin(base, href)
        parts = urlsplit(absolute)
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return normalize_url(absolute)


def _off_site(markup: PageMarkup, href: str | None) -> str | None:
    """`href` resolved, if it names a page on another site that could be an original."""
    if href is None:
        return None
    url = resolve_href(href, markup.url)
    if url is not None:
        url = markup.redirects.get(url, url)
    if url is None or site_of(url) == site_of(markup.url):
        return None
    site = site_of(url)
    if any(site == social or site.endswith("." + social) for social in _SOCIAL_SITES):
        return None
    if is_private_host(url) and not is_private_host(markup.url):
        return None
    path = urlsplit(url).path
    if path in ("", "/"):
        return None  # a home page credits an outlet, it is not the copied article
    if path.lower().endswith(_NOT_ARTICLE_SUFFIXES):
        return None  # a photo or a file (a picture credit's link), not an article
    return url


def _is_attribution(anchor: Anchor) -> bool:
    return bool(ATTRIBUTION_LINK_TEXT.match(anchor.text) or _ATTRIBUTION_LEAD.search(anchor.lead))


def _attribution_link(markup: PageMarkup) -> SourceLink | None:
    for anchor in markup.anchors:
        lead = _ATTRIBUTION_LEAD.search(anchor.lead)
        if ATTRIBUTION_LINK_TEXT.match(anchor.text):
            evidence = "link:" + anchor.text.lower()
        elif lead is not None:
            evidence = "link-after:" + " ".join(lead.group(1).lower().split())
        else:
            continue
        url = _off_site(markup, anchor.href)
        if url is not None:
            return SourceLink(url, evidence)
    return None


def _meta_source(markup: PageMarkup) -> SourceLink | None:
    for evidence, content in markup.meta_sources:
        url = _off_site(markup, content)
        if url is not None:
            return SourceLink(url, evidence)
    return None


def _jsonld_based_on(markup: PageMarkup) -> SourceLink | None:
    return _jsonld_field(markup, ("isBasedOn", "isBasedOnUrl"))


def _jsonld_main_entity(markup: PageMarkup) -> SourceLink | None:
    return _jsonld_field(markup, ("mainEntityOfPage", "url"))


def _cross_site_canonical(markup: PageMarkup) -> SourceLink | None:
    url = _off_site(markup, markup.canonical)
    return SourceLink(url, "rel=canonical") if url else None


def _cross_site_og_url(markup: PageMarkup) -> SourceLink | None:
    url = _off_site(markup, markup.og_url)
    return SourceLink(url, "og:url") if url else None


def _link_named_like_the_headline(markup: PageMarkup) -> SourceLink | None:
    """A link to another site's article whose URL or text spells this page's headline:
    how a copy links its original when no words around the link say so (a card with the
    outlet's logo, words in a language we do not read)."""
    headline = _slug_words(markup.headline)
    if not headline:
        return None
    for anchor in markup.anchors:
        if not anchor.standalone:
            continue
        # The words first, on the link as written (cheap); the URL only for a match.
        if _spells(_slug_words(_last_named_segment(anchor.href)), headline):
            evidence = "link:headline in url"
        elif _spells(_slug_words(anchor.text), headline):
            evidence = "link:headline as text"
        else:
            continue
        url = _off_site(markup, anchor.href)
        if url is not None:
            return SourceLink(url, evidence)
    return None


def _link_naming_its_outlet(markup: PageMarkup) -> SourceLink | None:
    """A link on its own line to another site's article whose text, or logo's alt text,
    names the site it leads to ("The Harbor Courier" -> harborcourier.test/...): a source
    card or credit line, when neither the words around it nor its URL say more. Name and
    domain agree when some of the name's words, run together, spell the domain ("BBC News"
    -> bbc.co.uk), or all of two or more words are part of it ("Harbor Courier" ->
    theharborcourier.com). Only absolute links are read (a relative one is the site's own)."""
    host = (urlsplit(markup.url).netloc or "").lower()
    for anchor in markup.anchors:
        words = _LETTERS.findall(anchor.text.lower())
        if not anchor.standalone or not words or len(words) > _OUTLET_NAME_MAX_WORDS:
            continue
        href = _redirected(markup, anchor.href)
        if not _leads_elsewhere(href, host):
            continue
        # The name's letters against the link's host as written (cheap); the URL only then.
        if not any(word in href.lower() for word in words if len(word) > 2):
            continue
        url = _off_site(markup, href)
        if url is None:
            continue
        label = "".join(_LETTERS.findall(site_of(url).split(".")[0]))
        runs = {"".join(words[start:end]) for start in range(len(words))
                for end in range(start + 1, len(words) + 1)}
        if len(label) >= _OUTLET_NAME_MIN_LETTERS and label in runs \
                or len(words) >= 2 and "".join(words) in label:
            return SourceLink(url, "link:outlet name")
    return None


def _redirected(markup: PageMarkup, href: str) -> str:
    """Where the link leads: `href`, or the target of the site's redirector it names, when
    the spider resolved that one."""
    if not markup.redirects:
        return href
    url = resolve_href(href, markup.url)
    return markup.redirects.get(url, href) if url is not None else href


# A domain of fewer letters matches names by chance ("ap", "nyt"); more words are a
# headline or a sentence, not a name.
_OUTLET_NAME_MIN_LETTERS = 4
_OUTLET_NAME_MAX_WORDS = 6
_LETTERS = re.compile(r"[^\W\d_]+")


def _spells(words: set[str], headline: set[str]) -> bool:
    return len(words) >= _SLUG_MIN_WORDS and len(words & headline) >= _SLUG_HEADLINE_SHARE * len(words)


_SLUG_MIN_WORDS = 4
_SLUG_HEADLINE_SHARE = 0.8
_SLUG_WORD = re.compile(r"[^\W\d_]{2,}")


def _slug_words(text: str) -> set[str]:
    return set(_SLUG_WORD.findall(text.lower().replace("'", "").replace("\u2019", "")))


def _last_named_segment(url: str) -> str:
    """The last path segment that holds words ("/news/2026/03/bridge-closes.html" ->
    "bridge-closes"), without a file extension."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    for segment in reversed(unquote(path).split("/")):
        name = segment.rsplit(".", 1)[0] if "." in segment else segment
        if _SLUG_WORD.search(name):
            return name
    return ""


_SIGNALS: tuple[Callable[[PageMarkup], SourceLink | None], ...] = (
    _attribution_link,
    _meta_source,
    _jsonld_based_on,
    _cross_site_canonical,
    _cross_site_og_url,
    _jsonld_main_entity,
    _link_named_like_the_headline,
    _link_naming_its_outlet,
)


def _jsonld_field(markup: PageMarkup, keys: tuple[str, ...]) -> SourceLink | None:
    # Only the article's own object: the `url` of an ImageObject, a logo or a WebSite
    # names an image or a home page, not what the article copies.
    for obj in markup.jsonld:
        if not is_article_type(obj.get("@type")):
            continue
        for key in keys:
            value = obj.get(key)
            if isinstance(value, dict):
                value = value.get("@id") or value.get("url")
            if isinstance(value, str):
                url = _off_site(markup, value)
                if url is not None:
                    return SourceLink(url, f"json-ld:{key}")
    return None


def _first_attr(root: lxml.html.HtmlElement, xpath: str) -> str | None:
    values = root.xpath(xpath)
    return str(values[0]).strip() if values else None


# A page with more links than this has its first and last _ANCHORS_READ // 2 read for
# attribution (which sits at the top or after the body); the rest are menus and link lists.
_ANCHORS_READ = 4000


def _links_read(root: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """The body's links that are read (all, or the first and last of very many)."""
    body = root.find("body")
    if body is None:
        return []
    links = list(body.iter("a"))
    if len(links) > _ANCHORS_READ:
        links = links[: _ANCHORS_READ // 2] + links[-_ANCHORS_READ // 2:]
    return links


def _anchors(links: list[lxml.html.HtmlElement], url: str) -> Iterator[Anchor]:
    leads: dict[lxml.html.HtmlElement, str] = {}
    parents_read: set[lxml.html.HtmlElement] = set()
    blocks: dict[lxml.html.HtmlElement | None, tuple[bool, int]] = {}
    labels: dict[lxml.html.HtmlElement, tuple[int, str]] = {}
    host = (urlsplit(url).netloc or "").lower()
    for link in links:
        href = link.get("href")
        if not href:
            continue
        holder = _line_holder(link)
        parent = holder.getparent()
        if parent is not None and parent not in parents_read:
            parents_read.add(parent)
            leads.update(_leads_in(parent))
        text = _link_name(link)
        lead = leads.get(holder, "")
        if not lead:
            lead = _label_before(holder, labels)
        # Where the link sits is read only for a link that could name a source: one after
        # attribution words, or one to another host (most links are the site's own).
        standalone = True
        if _ATTRIBUTION_LEAD.search(lead) or _leads_elsewhere(href, host):
            standalone = _stands_as_attribution(holder, blocks)
        yield Anchor(href, text, lead if standalone else "", standalone)


def _link_name(link: lxml.html.HtmlElement) -> str:
    """What the link says, as a screen reader would read it: its text, or for a link without
    text (an outlet's logo on a source card) its aria-label, its image's alt text or its
    title."""
    text = " ".join(link.text_content().split())
    if text:
        return text
    image = link.find(".//img")
    for name in (link.get("aria-label"), image.get("alt") if image is not None else None,
                 link.get("title")):
        if name and name.strip():
            return " ".join(name.split())
    return ""


def _leads_elsewhere(href: str, host: str) -> bool:
    """A cheap first test, before any URL parsing: an absolute link to another host."""
    if not href.startswith(("http://", "https://", "//")):
        return False
    return href.split("//", 1)[1].split("/", 1)[0].lower() != host


def _line_holder(link: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The element whose line the link starts: the link, or the inline wrappers it opens
    ("<p>Source: <strong><a>X</a></strong>" reads "Source:" before the <strong>)."""
    holder = link
    parent = holder.getparent()
    while (parent is not None and parent.tag in _INLINE_TAGS and holder is parent[0]
           and not (parent.text or "").strip()):
        holder, parent = parent, parent.getparent()
    return holder


def _stands_as_attribution(holder: lxml.html.HtmlElement,
                           blocks: dict[lxml.html.HtmlElement | None, tuple[bool, int]]) -> bool:
    """False for a link in a figure or caption, or in the middle of a long paragraph.
    `blocks` caches, per block, whether it is in a caption and its words."""
    block = _block_of(holder)
    if block not in blocks:
        # A caption wraps its picture closely: the block and two levels up, not a page
        # wrapper that happens to carry "caption" in a class name.
        chain = [] if block is None else [block, *itertools.islice(block.iterancestors(), 2)]
        blocks[block] = (
            any(e.tag in ("figure", "figcaption") or "caption" in str(e.get("class") or "")
                for e in chain),
            0 if block is None else len(block.text_content().split()))
    in_caption, words = blocks[block]
    if in_caption:
        return False
    if words <= _PROSE_WORDS:
        return True
    after = len((holder.tail or "").split())
    for sibling in holder.itersiblings():
        if after > _WORDS_AFTER_ATTRIBUTION:
            break
        after += len(" ".join(sibling.itertext()).split()) + len((sibling.tail or "").split())
    return after <= _WORDS_AFTER_ATTRIBUTION


def _furniture(root: lxml.html.HtmlElement) -> set[lxml.html.HtmlElement]:
    """Every element inside the site's header, footer, navigation or sidebar (one pass)."""
    inside: set[lxml.html.HtmlElement] = set()
    for element in root.iter("header", "footer", "nav", "aside"):
        if element not in inside:
            inside.update(element.iterdescendants())
    return inside


# Raw characters of a line kept while reading it: enough for _LEAD_CHARS once whitespace
# is collapsed, and what keeps the pass over a parent's children linear.
_LINE_TAIL = 8 * _LEAD_CHARS


def _leads_in(parent: lxml.html.HtmlElement) -> dict[lxml.html.HtmlElement, str]:
    """For each <a> child of `parent`: up to _LEAD_CHARS of the text on the link's own line
    that precedes it ("Source: " in "<p>Source: <a>"; a block before the link starts
    another line). One pass over the children, however many links they hold."""
    leads = {}
    line, label = parent.text or "", ""
    for child in parent:
        if child.tag == "a" or child.tag in _INLINE_TAGS:
            # A link that starts its line reads the line before a break as its label
            # ("<strong>Source:</strong><br><a>").
            leads[child] = (" ".join(line.split()) or " ".join(label.split()))[-_LEAD_CHARS:]
        if child.tag in _BLOCK_TAGS:
            # A break after a blank line keeps the label before it ("Source:<br><br><a>").
            label = (line if line.strip() else label) if child.tag == "br" else ""
            line = child.tail or ""
        else:
            line = (line + child.text_content() + (child.tail or ""))[-_LINE_TAIL:]
    return leads


def _block_of(holder: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The nearest block element around a link's line."""
    block = holder.getparent()
    while block is not None and block.tag not in _BLOCK_TAGS:
        block = block.getparent()
    return block


def _label_before(holder: lxml.html.HtmlElement,
                  labels: dict[lxml.html.HtmlElement, tuple[int, str]]) -> str:
    """The label of a link that is all of its block: the short block just before that one
    ("<dt>Source</dt><dd><a>", "<h4>Source</h4><p><a>", "<th>Source</th><td><a>"), as
    source boxes lay out a label and its value. Empty when the block holds more than the
    link, or is one item of a list (a heading over a list labels the list). `labels`
    caches, per block, its words and the label before it."""
    block = _block_of(holder)
    if block is None or block.tag == "li":
        return ""
    if block not in labels:
        previous = block.getprevious()
        label = ("" if previous is None or previous.tag not in _BLOCK_TAGS
                 else " ".join(previous.text_content().split()))
        # Only a label that attributes is worth counting the block's words for.
        attributes = len(label) <= _LEAD_CHARS and _ATTRIBUTION_LEAD.search(label)
        labels[block] = ((len(block.text_content().split()), label) if attributes
                         else (0, ""))
    words, label = labels[block]
    if not label or words - len(holder.text_content().split()) > _LABEL_VALUE_EXTRA_WORDS:
        return ""
    return label


# Words besides the link a label's value block may hold (an arrow, "here", a date).
_LABEL_VALUE_EXTRA_WORDS = 2

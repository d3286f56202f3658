"""HTML -> main text and metadata. The only module that imports trafilatura."""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from trafilatura import bare_extraction, load_html
from trafilatura.settings import Document, Extractor
from trafilatura.xpaths import BODY_XPATH

from pipelines.boilerplate import clean_text, drop_link_farms, find_embeds, prune_page
from pipelines.dates import shown_publication_date, url_date
from pipelines.empty_elements import keep_text_after_empty_elements
from pipelines.layout_tables import unwrap_layout_tables
from pipelines.main_block import wrap_main_block
from pipelines.metadata import (
    author_name,
    headline_of,
    read_metadata,
    shown_author,
    site_name_from_title,
)
from pipelines.page_evidence import (
    PageStructure,
    headline_surroundings,
    page_structure,
    prose_words,
)
from pipelines.page_type import (
    PageSigns,
    PageTypeModel,
    headline_names_a_fixed_page,
    is_fixed_page,
    page_features,
)
from pipelines.paragraphs import paragraphs_from_line_breaks


@dataclass(frozen=True)
class Extraction:
    title: str | None
    text: str
    author: str | None
    published: str | None
    site: str | None
    language: str | None
    page_canonical: str | None
    modified: str | None = None
    description: str | None = None
    image: str | None = None
    #: URLs of embedded social posts (tweets, Instagram, TikTok), kept out of `text`.
    embeds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rejection:
    """Why a page yields no article; `reason` is a short stats key ("too short")."""

    reason: str
    #: For "not an article": the signs that weighed most ("declared_commerce=1", "signed=0").
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reading:
    extraction: Extraction
    signs: PageSigns


@dataclass(frozen=True)
class ExtractionOptions:
    min_words: int = 10
    max_chars: int = 2_000_000
    fallbacks: bool = True
    #: trafilatura's mode: "precision", "recall" or "balanced".
    focus: str = "precision"
    #: Keep the quoted text of embedded social posts in `text` (their URLs are always listed).
    embeds_in_text: bool = True
    #: Drop pages that page typing judges not to be articles (listings, products, forums,
    #: service and legal pages); off, every page with enough main text is an article.
    page_typing: bool = True

    def __post_init__(self) -> None:
        if self.focus not in ("precision", "recall", "balanced"):
            raise ValueError(f"focus must be precision, recall or balanced, got {self.focus!r}")
        if self.min_words < 1:
            raise ValueError(f"min_words must be at least 1, got {self.min_words}")
        if self.max_chars < 1000:
            raise ValueError(f"max_chars must be at least 1000, got {self.max_chars}")


class ArticleExtractor:
    """Extracts articles with one set of trafilatura options, built once."""

    def __init__(self, options: ExtractionOptions) -> None:
        self.options = options
        self._trafilatura = _trafilatura_options(options, options.focus)
        self._balanced = (_trafilatura_options(options, "balanced")
                          if options.focus == "precision" else None)
        self._page_types = PageTypeModel.load() if options.page_typing else None

    def extract(self, html: str, url: str, root: lxml.html.HtmlElement | None = None
                ) -> Extraction | Rejection:
        """The page's article, or why there is none. `root`: the page already parsed by
        parse_page (with this extractor's max_chars); it is changed."""
        reading = self.read(html, url, root)
        if isinstance(reading, Rejection):
            return reading
        if self._page_types is not None:
            page_type = self._page_types.judge(page_features(reading.signs))
            if not page_type.is_article:
                return Rejection("not an article", page_type.evidence)
        return reading.extraction

    def read(self, html: str, url: str, root: lxml.html.HtmlElement | None = None
             ) -> Reading | Rejection:
        """The page's main text and metadata with the signs page typing weighs, before
        page typing decides; or why the page has no article text (none, too little, or
        mostly link texts)."""
        if not html.strip():
            return Rejection("empty page")
        if "\x00" in html[:4096]:
            return Rejection("binary body")
        if self._page_types is not None and is_fixed_page(url):
            return Rejection("not an article", ("fixed page URL",))
        if root is None:
            root = parse_page(html, self.options.max_chars)
        if root is None:
            return Rejection("parse error")
        metadata = read_metadata(root)
        drop_link_farms(root)
        paragraphs_from_line_breaks(root)
        structure = page_structure(root)
        around_headline = headline_surroundings(root, metadata.page_title)
        embeds = find_embeds(root, remove=not self.options.embeds_in_text)
        unwrap_layout_tables(root)
        prune_page(root, url)
        root = _focus(root)
        prose = prose_words(root)
        body = root.find("body")
        if body is not None and not _names_a_content_block(root):
            wrap_main_block(body)
        keep_text_after_empty_elements(root)
        document = bare_extraction(root, url=url, options=self._trafilatura)
        if self._balanced is not None and _lost_the_body(document, prose, structure,
                                                         self.options.min_words):
            document = bare_extraction(root, url=url, options=self._balanced)
        if not isinstance(document, Document) or not document.text:
            return Rejection("no main text")
        page_title = metadata.page_title
        title = _headline(headline_of(
            metadata.headline or document.title, metadata.shown_headline,
            (document.sitename, site_name_from_title(page_title, None)), url, page_title))
        text = clean_text(document.text, title)
        if len(text.split()) < self.options.min_words:
            return Rejection("too short")
        extraction = Extraction(
            title=title,
            text=text,
            author=author_name(metadata.author or document.author) or shown_author(around_headline),
            published=(metadata.published or shown_publication_date(around_headline)
                       or url_date(url) or document.date),
            site=(_site_name(document.sitename)
                  or _site_name(site_name_from_title(page_title, title))),
            language=metadata.language or document.language,
            page_canonical=document.url,
            modified=metadata.modified,
            description=metadata.description or document.description,
            image=metadata.image or document.image,
            embeds=tuple(embeds),
        )
        if self._page_types is not None and extraction.title and headline_names_a_fixed_page(
                extraction.title, url, extraction.site):
            return Rejection("not an article", ("fixed page headline",))
        linked_lines = _linked_line_share(text, root)
        if linked_lines >= _MOSTLY_LINKED:
            return Rejection("not an article", ("mostly link texts",))
        signs = PageSigns(url, structure, metadata, text, prose,
                          dated=extraction.published is not None,
                          signed=extraction.author is not None,
                          linked_line_share=linked_lines, around_headline=around_headline)
        return Reading(extraction, signs)


# Precision mode now and then takes a page builder's body for boilerplate and keeps a scrap
# of it: when it keeps less than this share of the page's prose, the balanced extraction
# is used (2-5 % of article pages on the tuning sets), except on pages with this many linked
# headings: teaser lists, where a short text is right and the second pass is wasted work.
# When it keeps less than an article's minimum, balanced is tried on any page: the page
# would be dropped otherwise, and the prose count misses a body that an unclosed <header>
# or <nav> swallows (3 of wcxb-dev's 709 articles).
_PRECISION_MIN_PROSE_SHARE = 0.25
_TEASER_PAGE_LINKED_HEADINGS = 8


def _lost_the_body(document: Document | None, prose_words: int, structure: PageStructure,
                   min_words: int) -> bool:
    words = len(document.text.split()) if isinstance(document, Document) and document.text else 0
    if words < min_words:
        return True  # nothing an article could be: the page would be dropped as it is
    if structure.linked_headings >= _TEASER_PAGE_LINKED_HEADINGS:
        return False  # a page of teasers: little text is what precision should keep
    return words < _PRECISION_MIN_PROSE_SHARE * prose_words


def _trafilatura_options(options: ExtractionOptions, focus: str) -> Extractor:
    extractor = Extractor(
        output_format="python",
        fast=not options.fallbacks,
        precision=focus == "precision",
        recall=focus == "recall",
        comments=False,
        with_metadata=True,
        tables=True,
        dedup=False,
    )
    # Short briefs are articles too: keep trafilatura from replacing a short body with the
    # whole page's text ("baseline" extraction).
    extractor.min_extracted_size = 50
    extractor.min_output_size = 10
    return extractor


_HOST_NAME = re.compile(r"(www\.)?[\w-]+(\.[\w-]+)+", re.IGNORECASE)


def _site_name(name: str | None) -> str | None:
    """The site's name, not a host name ("riverpost.test" says nothing the URL does not)."""
    return None if name is None or _HOST_NAME.fullmatch(name.strip()) else name


# No headline is longer; a page claiming one is cut here rather than stored whole.
_TITLE_MAX_CHARS = 500


def _headline(title: str | None) -> str | None:
    if title is None or len(title) <= _TITLE_MAX_CHARS:
        return title
    return title[:_TITLE_MAX_CHARS].rsplit(" ", 1)[0] + "…"


_BODY_START = re.compile(r"<body[\s>]", re.IGNORECASE)
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b[^>]*>|</(script|style)\s*>", re.IGNORECASE)


def parse_page(html: str, max_chars: int) -> lxml.html.HtmlElement | None:
    """The page's tree as extraction reads it: trafilatura's own loader (its parser drops
    comments, which would otherwise cut paragraphs short in trafilatura's tree walk) on the
    page cut to `max_chars`. The spider parses each page once with it."""
    return load_html(bounded_html(html, max_chars)) if html.strip() else None


def bounded_html(html: str, max_chars: int) -> str:
    """`html` cut to about `max_chars` characters, keeping what extraction needs: a <head>
    heavy with scripts and styles loses those first (never the body), and the body is cut
    at its end. Linear in the page."""
    if len(html) <= max_chars:
        return html
    body = _BODY_START.search(html)
    if body is None:
        return html[:max_chars]
    head, rest = html[: body.start()], html[body.start():]
    if len(head) > max_chars // 4:
        head = _without_scripts(head)[: max_chars // 4]
    return head + rest[: max_chars - len(head)]


def _without_scripts(html: str) -> str:
    """`html` without the contents of its <script> and <style> elements (JSON-LD included:
    a head this large is not worth reading)."""
    kept, position, open_tag = [], 0, None
    for tag in _SCRIPT_OR_STYLE.finditer(html):
        if open_tag is None and tag.group(1):
            kept.append(html[position: tag.start()])
            open_tag = tag.group(1).lower()
        elif open_tag is not None and (tag.group(2) or "").lower() == open_tag:
            position, open_tag = tag.end(), None
    if open_tag is None:
        kept.append(html[position:])
    return "".join(kept)


def _focus(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The page cut down to its one <article> holding the headline, when it has exactly one:
    a short article then cannot pull in the page's other blocks ("In Brief" headers)."""
    articles = [a for a in root.iter("article") if a.find(".//h1") is not None]
    body = root.find("body")
    if len(articles) != 1 or body is None or len(list(root.iter("article"))) != 1:
        return root
    for child in list(body):
        child.drop_tree()
    body.append(articles[0])
    return root


def _names_a_content_block(root: lxml.html.HtmlElement) -> bool:
    """True when trafilatura will find a content block by its name (its own list of
    container tags, classes and ids); when not, it reads loose paragraphs only."""
    return any(expression(root) for expression in BODY_XPATH)


# Text whose words are this much on lines that are link texts is a list of links: teaser
# headlines or navigation taken for text, whatever else the page shows.
_MOSTLY_LINKED = 0.4


def _linked_line_share(text: str, root: lxml.html.HtmlElement) -> float:
    """The share of the text's words on lines that are the text of a link on the page:
    navigation or teaser headlines taken for text."""
    link_texts = {" ".join(a.text_content().split()).lower() for a in root.iter("a")}
    words = linked = 0
    for line in text.splitlines():
        count = len(line.split())
        words += count
        linked += count if line.lower() in link_texts else 0
    return linked / words if words else 0.0

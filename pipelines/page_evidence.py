"""Structural measures of a parsed page, shared by extraction and page typing.

Each reads the tree as parsed (before pruning) in one walk and knows nothing of templates:
how much prose a page has, how much of its text is links, how its headings and blocks repeat.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

from pipelines.metadata import TITLE_SEPARATOR

# Elements whose words are not the page's prose: code, navigation and chrome, links.
_NOT_PROSE = frozenset(
    "script style noscript template nav header footer aside form select button a".split()
)


def prose_words(root: HtmlElement) -> int:
    """Words of the body outside links, navigation, header, footer, asides and forms: an
    upper bound of what an article on this page can hold."""
    body = root.find("body")
    return _prose(body) if body is not None else 0


def _prose(top: HtmlElement) -> int:
    words, stack = 0, [top]  # a stack, not recursion: hostile pages nest thousands deep
    while stack:
        element = stack.pop()
        words += len((element.text or "").split())
        for child in element:
            if isinstance(child.tag, str) and child.tag not in _NOT_PROSE:
                stack.append(child)
            words += len((child.tail or "").split())
    return words


# A money amount in running text: "$1,299", "€ 49", "19,99 €", "£5.50", "USD 20".
_PRICE = re.compile(r"[$€£¥₹]\s?\d|\d\s?[€£]|\b(USD|EUR|GBP)\s?\d")


@dataclass
class PageStructure:
    """Counts read off a parsed page in one walk, before any pruning."""

    text_chars: int = 0
    link_chars: int = 0
    headings: int = 0
    linked_headings: int = 0
    long_paragraphs: int = 0
    time_elements: int = 0
    controls: int = 0
    code_blocks: int = 0
    h1: int = 0
    prices: int = 0
    #: schema.org types named in microdata (`itemtype`), lower-cased, without the URL prefix.
    microdata_types: frozenset[str] = frozenset()


# A paragraph this long is running prose.
_LONG_PARAGRAPH_WORDS = 30


def page_structure(root: HtmlElement) -> PageStructure:
    """Counted with XPath where it can be: the walk happens in libxml2, and Python sees only
    the elements it must measure (paragraphs and links)."""
    body = root.find("body")
    if body is None:
        return PageStructure()
    text = body.xpath("string()")
    return PageStructure(
        text_chars=len("".join(text.split())),
        link_chars=sum(len("".join(a.text_content().split())) for a in body.iter("a")),
        headings=int(body.xpath("count(.//h2|.//h3|.//h4)")),
        linked_headings=int(body.xpath(
            "count((.//h2|.//h3|.//h4)[.//a or parent::a])")),
        long_paragraphs=sum(len(p.text_content().split()) >= _LONG_PARAGRAPH_WORDS
                            for p in body.iter("p")),
        time_elements=int(body.xpath("count(.//time)")),
        controls=int(body.xpath("count(.//input|.//button|.//select|.//textarea)")),
        code_blocks=int(body.xpath("count(.//pre|.//code)")),
        h1=int(body.xpath("count(.//h1)")),
        prices=len(_PRICE.findall(text[:200_000])),
        microdata_types=frozenset(
            t.rstrip("/").rsplit("/", 1)[-1].lower()
            for value in body.xpath(".//@itemtype") for t in str(value).split()),
    )


# How much text around the headline is read for a dateline or byline.
_BEFORE_TITLE_CHARS = 300
_AFTER_TITLE_CHARS = 500


def headline_surroundings(root: HtmlElement, page_title: str | None = None) -> str:
    """The text just before and after the page's headline, where articles put their date
    and byline, a line per block ("By Jane Doe" and the paragraph after it do not run
    together); "" when it has none. The headline is the first <h1>; on a page without one
    (older templates set it in <b> or <font>), the first element that shows the longest part
    of the page's <title> ("Site - Headline"), if it has _TITLE_PART_MIN_WORDS words or more."""
    headline = next(root.iter("h1"), None)
    if headline is None:
        headline = _shown_title(root, page_title)
    if headline is None:
        return ""
    block, title = headline, " ".join(headline.text_content().split())
    for _ in range(3):  # the headline's header block, not the whole page
        parent = block.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        block = parent
    text = _lines_of(block, headline)
    at = text.find(title) if title else -1
    if at < 0:
        return text[:_AFTER_TITLE_CHARS]
    return text[max(0, at - _BEFORE_TITLE_CHARS): at + len(title) + _AFTER_TITLE_CHARS]


_TITLE_PART_MIN_WORDS = 3


def _shown_title(root: HtmlElement, page_title: str | None) -> HtmlElement | None:
    """The first of the body's first _ELEMENTS_READ elements that shows the headline part of
    the <title>: its longest (the site's name is the short one)."""
    parts = TITLE_SEPARATOR.split(page_title or "")
    headline = max(parts, key=len).casefold()
    body = root.find("body")
    if len(headline.split()) < _TITLE_PART_MIN_WORDS or body is None:
        return None
    for number, element in enumerate(body.iter()):
        if number > _ELEMENTS_READ:
            break
        if not isinstance(element.tag, str):
            continue
        own = " ".join((element.text or "").split()).casefold()
        if own and headline.startswith(own) and _text_up_to(
                element, _RAW_CHARS_PER_CHAR * len(headline)) == headline:
            return element
    return None


def _text_up_to(element: HtmlElement, limit: int) -> str | None:
    """The element's text, spaces collapsed and case folded; None when it is longer than
    `limit` raw characters (read no further: a wrapper may hold the whole page)."""
    pieces, size = [], 0
    for piece in element.itertext():
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            return None
    return " ".join("".join(pieces).split()).casefold()


# Elements that start a line of text.
_LINE_TAGS = frozenset(
    "p div h1 h2 h3 h4 h5 h6 ul ol li dl dt dd br hr header footer section article aside nav "
    "main figure figcaption blockquote address table tr td th pre form".split())


def _lines_of(block: HtmlElement, headline: HtmlElement) -> str:
    """The block's text, a line per block element, spaces within a line collapsed; read up
    to a little more than _AFTER_TITLE_CHARS past the headline (a page may put its whole
    body in the headline's block). A block with more than _ELEMENTS_READ elements before
    the headline (a page wrapper, or a hostile page) is read at once, its blocks run
    together: walking it element by element would cost a page's worth of Python work."""
    parts: list[str] = []
    after: int | None = None  # characters read since the headline ended
    for number, (event, node) in enumerate(etree.iterwalk(block, events=("start", "end"))):
        if after is None and number > 2 * _ELEMENTS_READ:
            return " ".join(block.text_content().split())
        if event == "start":
            if node.tag in _LINE_TAGS:
                parts.append("\n")
            if isinstance(node.tag, str):
                parts.append(node.text or "")
        else:
            if node.tag in _LINE_TAGS:
                parts.append("\n")
            if node is not block:
                parts.append(node.tail or "")
            if node is headline:
                after = 0
        if after is not None:
            after += len(parts[-1])
            if after > _AFTER_TITLE_CHARS * _RAW_CHARS_PER_CHAR:
                break
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


_ELEMENTS_READ = 2000
# Raw text holds whitespace that collapses: this many raw characters per one kept.
_RAW_CHARS_PER_CHAR = 4

"""The block of a page that holds its main text, found the way a reader's eye finds it.

trafilatura starts from a container it recognizes by name (`<article>`, `<main>`, classes such
as "entry-content" or "post-body"). Pages whose template names its blocks otherwise, or not at
all (older templates, custom CMSs), give it none: it then gathers loose paragraphs from the
whole page and loses the article's lists and subheadings (a page of prices in lists kept half
its text). Here such a page's main block is found by where its paragraphs are: each paragraph
scores its parent and, half, its grandparent, more for long and comma-rich text; a block's
score is discounted by its share of link text (readability's scoring, without its class-name
vocabulary, which such pages do not use). The best block and the siblings that score near it
are wrapped in an `<article>`, which trafilatura then reads whole.
"""

from __future__ import annotations

from lxml.html import Element, HtmlElement

_PARAGRAPHS = ("p", "pre", "td")
# Shorter texts are captions, labels and links, not paragraphs.
_MIN_PARAGRAPH_CHARS = 25
# A block starts with this score by kind: a <div> is where templates put text, a list or a
# heading is part of a block, not the block.
_KIND_SCORE = {
    "div": 5, "pre": 3, "td": 3, "blockquote": 3,
    "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3, "form": -3,
    "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}
# A sibling block scoring this share of the best one's is the article's too (an intro and
# its body in two blocks); never one scoring under _MIN_SIBLING_SCORE.
_SIBLING_SHARE = 0.2
_MIN_SIBLING_SCORE = 10
# The block must hold this share of the page's paragraph text: when the best-scoring block
# holds less (one section of a list article whose sections are blocks of their own), its
# ancestors are tried; a page whose text no block below <body> holds is left as it is.
# Measured flat between 0.35 and 0.66 on the tuning sets.
_MIN_TEXT_SHARE = 0.5


def wrap_main_block(body: HtmlElement) -> bool:
    """Wrap the page's main block (with the sibling blocks that belong to it) in an
    `<article>`, in place; False when there is no block to wrap (no paragraphs, or the best
    block is the whole body). Linear in the page times its depth."""
    scores: dict[HtmlElement, float] = {}
    text_under: dict[HtmlElement, int] = {}
    for paragraph in body.iter(*_PARAGRAPHS):
        text = paragraph.text_content()
        chars = len(" ".join(text.split()))
        if chars < _MIN_PARAGRAPH_CHARS:
            continue
        parent = paragraph.getparent()
        if parent is None:
            continue
        for ancestor in paragraph.iterancestors():
            text_under[ancestor] = text_under.get(ancestor, 0) + chars
            if ancestor is body:
                break
        points = 1 + text.count(",") + min(chars // 100, 3)
        for block, share in ((parent, 1.0), (parent.getparent(), 0.5)):
            if block is not None:
                scores[block] = scores.get(block, _KIND_SCORE.get(block.tag, 0)) + points * share
    best, best_score = _best_block(scores)
    if best is None:
        return False
    while text_under.get(best, 0) < _MIN_TEXT_SHARE * text_under.get(body, 0):
        best = best.getparent()
        if best is None or best is body:
            return False
    if best is body or body not in best.iterancestors():
        return False  # the whole page, or above it
    floor = max(_MIN_SIBLING_SCORE, best_score * _SIBLING_SHARE)
    parent = best.getparent()
    members = [block for block in parent if block is best or (
        block in scores and scores[block] >= floor and _final_score(block, scores) >= floor)
        or _is_loose_paragraph(block)]
    article = Element("article")
    members[0].addprevious(article)
    for block in members:
        article.append(block)  # with its tail: text between the blocks is the article's
    return True


# Blocks whose link text is measured, best scores first: nested blocks each hold the page
# again, and a page of link-filled blocks nested deep would be read once per level.
_CANDIDATES = 20


def _best_block(scores: dict[HtmlElement, float]) -> tuple[HtmlElement | None, float]:
    """The block with the highest score net of link text, among the _CANDIDATES best by
    score. Link density is measured only where it can change the answer: a block's net
    score is at most its score."""
    best, best_score = None, 0.0
    for block in sorted(scores, key=scores.__getitem__, reverse=True)[:_CANDIDATES]:
        if scores[block] <= best_score:
            break
        net = _final_score(block, scores)
        if net > best_score:
            best, best_score = block, net
    return best, best_score


def _final_score(block: HtmlElement, scores: dict[HtmlElement, float]) -> float:
    return scores[block] * (1 - _link_density(block))


def _link_density(element: HtmlElement, chars: int | None = None) -> float:
    """Link text over all text, spaces collapsed; `chars`: the element's text length when
    the caller has read it."""
    if chars is None:
        chars = len(" ".join(element.text_content().split()))
    if not chars:
        return 1.0
    links = sum(len(" ".join(a.text_content().split())) for a in element.iter("a"))
    return min(links / chars, 1.0)


def _is_loose_paragraph(element: HtmlElement) -> bool:
    """A paragraph lying beside the main block: a long one with few links, or a short
    sentence without any."""
    if element.tag != "p":
        return False
    text = " ".join(element.text_content().split())
    density = _link_density(element, len(text))
    return (len(text) > 80 and density < 0.25) or (
        0 < len(text) <= 80 and density == 0 and text.endswith("."))

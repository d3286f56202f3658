"""Text that follows an empty element, kept with the text around it.

Pages put empty elements before text all the time: an icon font's `<i class="icon"></i>`
before a list item's words, a `<span>` left empty by a template, a `<span>` that held only a
picture, a template's comment. trafilatura's precision mode deletes empty elements together with the text that
follows them (their tail), so the list item or the paragraph's first sentence goes with
the icon. Moving that text onto the element before it (or into the parent) changes nothing
a reader sees and leaves trafilatura nothing to delete but the empty element.
"""

from __future__ import annotations

from lxml.etree import Comment
from lxml.html import HtmlElement
from trafilatura.settings import CUT_EMPTY_ELEMS as _CUT_WHEN_EMPTY  # cut when empty

# Elements that hold no text of their own; an element holding only these (a <span> around a
# picture) is empty to trafilatura once it has removed them.
_TEXTLESS = frozenset(("img", "picture", "source", "svg", "path", "use", "figure", "noscript", "br",
                       "hr", "video", "audio", "iframe"))
# An element with more descendants than this is not a decoration; not worth reading.
_MAX_DESCENDANTS = 20


def keep_text_after_empty_elements(root: HtmlElement) -> int:
    """Move the tail text of every empty element trafilatura may cut onto the nearest
    element before it that stays (or into the parent); returns how many tails moved.
    Linear in the page's elements: a run of empty siblings is walked back once."""
    moved = 0
    landing: dict[HtmlElement, HtmlElement | None] = {}  # empty element -> sibling that stays
    tails: dict[HtmlElement, list[str]] = {}  # the keeper's tail, or the parent's text
    texts: dict[HtmlElement, list[str]] = {}  # (joined once: appending one by one is quadratic)
    for element in root.iter(Comment, *_CUT_WHEN_EMPTY):
        if not (element.tail and element.tail.strip()) or element.getparent() is None \
                or not _is_empty(element):
            continue
        keeper = _kept_sibling_before(element, landing)
        if keeper is not None:
            tails.setdefault(keeper, [keeper.tail or ""]).append(element.tail)
        else:
            parent = element.getparent()
            texts.setdefault(parent, [parent.text or ""]).append(element.tail)
        element.tail = None
        moved += 1
    for keeper, parts in tails.items():
        keeper.tail = "".join(parts)
    for parent, parts in texts.items():
        parent.text = "".join(parts)
    return moved


def _kept_sibling_before(element: HtmlElement,
                         landing: dict[HtmlElement, HtmlElement | None]) -> HtmlElement | None:
    walked = []
    previous = element.getprevious()
    while previous is not None and previous not in landing and _may_be_cut(previous):
        walked.append(previous)
        previous = previous.getprevious()
    keeper = landing.get(previous, previous)  # None: the parent
    for sibling in (element, *walked):
        landing[sibling] = keeper
    return keeper


def _may_be_cut(element: HtmlElement) -> bool:
    """A comment, or an empty element trafilatura may cut: text moved onto its tail could
    be cut with it."""
    return (not isinstance(element.tag, str) or element.tag in _CUT_WHEN_EMPTY) and _is_empty(element)


def _is_empty(element: HtmlElement) -> bool:
    """Shows nothing: a comment, or an element without text holding only elements that
    show none."""
    if not isinstance(element.tag, str):
        return True
    if element.text and element.text.strip():
        return False
    for count, descendant in enumerate(element.iterdescendants()):
        if (count >= _MAX_DESCENDANTS or not isinstance(descendant.tag, str)
                or descendant.tag not in _TEXTLESS and descendant.tag not in _CUT_WHEN_EMPTY
                or descendant.text and descendant.text.strip()
                or descendant.tail and descendant.tail.strip()):
            return False
    return True

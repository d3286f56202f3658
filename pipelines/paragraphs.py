"""Paragraphs of pages that mark them with line breaks instead of <p>.

Pages written by hand or by older CMS templates put the whole article in one <div> or <td>,
its paragraphs separated by two or more <br>. Extraction reads paragraphs: text lying
directly in a <div> is taken for the page's chrome and mostly lost. Each run between double
breaks becomes a <p> here, as browsers show it and as readability-style extractors read it.
"""

from __future__ import annotations

from lxml.html import HtmlElement

# Elements that start a block of their own: a paragraph ends before them.
_BLOCKS = frozenset(
    "address article aside blockquote center dd div dl dt fieldset figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr li main nav ol p pre section table ul".split())
# Elements whose line breaks are not paragraph breaks (or that cannot hold a <p>), nor are
# those of any element inside them.
_KEEP = frozenset("p pre code textarea li dt dd h1 h2 h3 h4 h5 h6 a button label".split())
# A block with fewer words in its broken runs is a list of short lines (an address, a menu),
# not prose: left as it is.
_MIN_PROSE_WORDS = 25


def paragraphs_from_line_breaks(root: HtmlElement) -> int:
    """Turn the runs of text that double <br>s separate into <p> elements, in every block
    where they separate two runs or more (breaks at a block's end are spacing) holding at
    least _MIN_PROSE_WORDS words; returns how many blocks changed.
    Linear in the page's <br> elements and in the blocks changed."""
    blocks: dict[HtmlElement, None] = {}
    for br in root.iter("br"):
        following = br.getnext()
        if following is not None and following.tag == "br" and _blank(br.tail):
            parent = br.getparent()
            if parent is not None and parent not in blocks and not any(
                    element.tag in _KEEP for element in parent.iterancestors()) and \
                    parent.tag not in _KEEP:
                blocks[parent] = None
    changed = 0
    for block in blocks:
        runs = _runs(block)
        words = [_words(run) for run in runs if isinstance(run, list)]
        if sum(count > 0 for count in words) >= 2 and sum(words) >= _MIN_PROSE_WORDS:
            _rebuild(block, runs)
            changed += 1
    return changed


# A run is the block's leading text or an inline element's tail (str) and inline elements,
# up to a double break or a block element (kept as a single element, not in a list).
Run = list[str | HtmlElement]


def _runs(block: HtmlElement) -> list[Run | HtmlElement]:
    parts: list[Run | HtmlElement] = []
    current: Run = [block.text or ""]
    children = list(block)
    position = 0
    while position < len(children):
        child = children[position]
        if _is_double_break(children, position):
            while _is_double_break(children, position + 1):
                position += 1  # three or more breaks: one paragraph end
            parts.append(current)
            current = [children[position + 1].tail or ""]
            position += 2
            continue
        if isinstance(child.tag, str) and child.tag in _BLOCKS:
            parts.append(current)
            parts.append(child)
            current = [child.tail or ""]
        else:
            current.append(child)
        position += 1
    parts.append(current)
    return parts


def _is_double_break(children: list[HtmlElement], position: int) -> bool:
    return (position + 1 < len(children) and children[position].tag == "br"
            and children[position + 1].tag == "br" and _blank(children[position].tail))


def _rebuild(block: HtmlElement, runs: list[Run | HtmlElement]) -> None:
    for child in list(block):
        block.remove(child)
    block.text = None
    for run in runs:
        if not isinstance(run, list):
            run.tail = None
            block.append(run)
            continue
        text, inline = run[0], run[1:]
        if _blank(text) and not inline:
            continue
        paragraph = block.makeelement("p", {})
        paragraph.text = text
        paragraph.extend(inline)  # inline elements keep their tails
        block.append(paragraph)


def _words(run: Run) -> int:
    return sum(len((part if isinstance(part, str) else
                    part.text_content() + (part.tail or "")).split()) for part in run)


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


"""Tables that lay out a page rather than hold data.

Older templates put the navigation, the article and the sidebar in cells of one table, often
nested. Extraction reads a table row by row, one line a row: the menu, every paragraph of the
story and the sidebar came out glued in one line, all kept. Here such a table becomes plain
blocks, and the cells beside the story's cell, the page's side columns, are dropped, the
column a reader skips and readability-style extractors never pick.
"""

from __future__ import annotations

from collections import Counter

from lxml.html import HtmlElement

# A data table's cell holds a value or a line; a cell of this many words holds a page's
# running text, and its table lays out the page.
_LAYOUT_CELL_WORDS = 100
# In a layout row, a cell with under this share of the story cell's words is a side column
# (navigation, "Most read", advertising). A cell near the story's size may be its second half
# or a second story: kept.
_SIDE_COLUMN_SHARE = 0.5
# Words are counted up to here: enough to compare a story with its side columns, and a
# page of nested layout tables is not read once per level in full.
_COUNT_CAP = 2000
# A layout has a few columns (navigation, story, sidebar, spacers between them) and a few rows
# (banner, menu, story, footer). A table with more, or a row with header cells, holds data
# whatever one of its cells holds (a glossary's long definition): no cell of it is dropped.
_MAX_COLUMNS = 10
_MAX_ROWS = 6
# A few words without a link beside the story are its label (a term beside its definition,
# a date), kept; a side column holds links or more words.
_LABEL_WORDS = 10
_TABLE_PARTS = ("table", "tbody", "thead", "tfoot", "tr", "td", "th")


def unwrap_layout_tables(root: HtmlElement) -> int:
    """Turn the page's layout tables (one of whose own cells holds running text) into plain
    blocks, in place, dropping the side columns of the rows that hold the story; returns how
    many side columns were dropped. Data tables, those inside a layout included, stay."""
    layouts = {table for cell in root.iter("td", "th")
               if _words(cell, _LAYOUT_CELL_WORDS) >= _LAYOUT_CELL_WORDS
               and (table := _table_of(cell)) is not None}
    if not layouts:
        return 0
    # One walk: every table part is told by its nearest table, before any is renamed.
    tables = {part: _table_of(part) for part in root.iter(*_TABLE_PARTS)}
    parts = [part for part, table in tables.items() if table in layouts]
    rows = Counter(tables[part] for part in parts if part.tag == "tr")
    side_columns = [cell for row in parts if row.tag == "tr" and rows[tables[row]] <= _MAX_ROWS
                    for cell in _side_columns(row)]
    for part in parts:
        part.tag = "div"
        for attribute in ("colspan", "rowspan", "width", "valign", "align"):
            part.attrib.pop(attribute, None)
    for cell in side_columns:
        cell.drop_tree()
    return len(side_columns)


def _side_columns(row: HtmlElement) -> list[HtmlElement]:
    """The cells of a layout row beside its story's cell (the one holding running text): not
    one holding the page's <h1>, nor a label of a few words."""
    cells = [cell for cell in row if cell.tag in ("td", "th")]
    if not 2 <= len(cells) <= _MAX_COLUMNS or any(cell.tag == "th" for cell in cells):
        return []
    words = [_words(cell, _COUNT_CAP) for cell in cells]
    story = max(words)
    if story < _LAYOUT_CELL_WORDS:
        return []
    return [cell for cell, count in zip(cells, words)
            if count < _SIDE_COLUMN_SHARE * story and next(cell.iter("h1"), None) is None
            and (count >= _LABEL_WORDS or next(cell.iter("a"), None) is not None)]


def _words(element: HtmlElement, cap: int) -> int:
    """The element's words, counted no further than `cap` (a layout cell holds the whole
    page, and every cell around it holds it again)."""
    if len(element) == 0:  # most cells: their own text only
        return min(len((element.text or "").split()), cap)
    count = 0
    for text in element.itertext():
        count += len(text.split())
        if count >= cap:
            return cap
    return count


def _table_of(element: HtmlElement) -> HtmlElement | None:
    return next(element.iterancestors("table"), None) if element.tag != "table" else element

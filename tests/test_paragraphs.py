from __future__ import annotations

import lxml.html

from pipelines.paragraphs import paragraphs_from_line_breaks

_RUNS = (
    "The island ferry carried its first passengers in nine days on Wednesday morning.",
    "Harbor master Linda Ortiz said the damage to the ramp was worse than first reported.",
    "Islanders lined up at the dock well before the first departure of the day.",
)


def _paragraphs(html: str) -> tuple[int, list[str]]:
    root = lxml.html.document_fromstring(html)
    changed = paragraphs_from_line_breaks(root)
    return changed, [" ".join(p.text_content().split()) for p in root.iter("p")]


def test_runs_between_double_breaks_become_paragraphs() -> None:
    changed, paragraphs = _paragraphs(
        f"<div id='story'>{_RUNS[0]}<br><br>\n{_RUNS[1]}<br/>\n<br/>{_RUNS[2]}</div>")
    assert changed == 1
    assert paragraphs == list(_RUNS)


def test_links_and_line_breaks_inside_a_run_stay_in_its_paragraph() -> None:
    _, paragraphs = _paragraphs(
        "<div>Harbor master <a href='/ortiz'>Linda Ortiz</a> said the ramp was worse<br>\n"
        "than divers first reported.<br><br><br>"
        f"{_RUNS[2]} <b>More</b> follows.</div>")
    assert paragraphs == [
        "Harbor master Linda Ortiz said the ramp was worse than divers first reported.",
        f"{_RUNS[2]} More follows."]


def test_blocks_between_runs_keep_their_place() -> None:
    root = lxml.html.document_fromstring(
        f"<div>{_RUNS[0]}<br><br><blockquote>A quote</blockquote>{_RUNS[1]}<br><br>{_RUNS[2]}</div>")
    paragraphs_from_line_breaks(root)
    div = root.find(".//div")
    assert [child.tag for child in div] == ["p", "blockquote", "p", "p"]
    assert [child.text_content() for child in div] == [_RUNS[0], "A quote", *_RUNS[1:]]


def test_breaks_that_separate_nothing_or_short_lines_change_nothing() -> None:
    # Spacing at a block's end, an address, a paragraph's own line breaks.
    for html in (f"<div>{_RUNS[0]} {_RUNS[1]}<br><br></div>",
                 "<div>Harbor Gazette<br><br>12 Dock Street<br><br>Port Ellen</div>",
                 f"<p>{_RUNS[0]}<br><br>{_RUNS[1]}</p>"):
        root = lxml.html.document_fromstring(html)
        before = lxml.html.tostring(root)
        assert paragraphs_from_line_breaks(root) == 0
        assert lxml.html.tostring(root) == before


def test_breaks_inside_a_paragraph_or_list_item_are_left_alone() -> None:
    for html in (f"<p><span>{_RUNS[0]}<br><br>{_RUNS[1]}</span></p>",
                 f"<ul><li><span>{_RUNS[0]}<br><br>{_RUNS[1]}</span></li></ul>"):
        root = lxml.html.document_fromstring(html)
        assert paragraphs_from_line_breaks(root) == 0

"""Text after an empty element (an icon, a picture's wrapper) moves where trafilatura's
precision mode cannot cut it, and reads the same."""

from __future__ import annotations

import lxml.html
import trafilatura

from pipelines.empty_elements import keep_text_after_empty_elements

_ITEMS = ("<ul><li><i class='icon'></i>Fixed switches: soldered for good.</li>"
          "<li><span></span><i></i><!-- badge -->Easy swaps: they pull out by hand.</li></ul>"
          "<p><b>Note</b><span><img src='/a.png'></span> the picture shows the board.</p>")


def _words(root: lxml.html.HtmlElement) -> list[str]:
    return root.text_content().split()


def test_the_page_reads_the_same_and_no_empty_element_keeps_text() -> None:
    root = lxml.html.fromstring(f"<div>{_ITEMS}</div>")
    before = _words(root)
    assert keep_text_after_empty_elements(root) == 3
    assert _words(root) == before
    for empty in root.iter("i", "span"):
        assert not (empty.tail or "").strip()
    assert root.find(".//b").tail == " the picture shows the board."


def test_precision_mode_keeps_the_text_it_used_to_cut() -> None:
    html = (f"<html><body><article><h1>Hot-swap keyboards</h1>{_ITEMS}"
            "<p>Most new boards take switches this way, and makers sell testers.</p>"
            "</article></body></html>")
    root = lxml.html.fromstring(html)
    keep_text_after_empty_elements(root)
    text = trafilatura.extract(root, favor_precision=True) or ""
    assert "soldered for good" in text and "pull out by hand" in text

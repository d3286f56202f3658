"""The main block of pages whose template names no block (pipelines/main_block.py)."""

from __future__ import annotations

import lxml.html

from pipelines.main_block import wrap_main_block

_SIDEBAR = ("<div><p>Sign up for our letter: one email a week, with the best of our guides.</p>"
            "<p><a href='/a'>Ten paint colors for small rooms</a></p></div>")


def _paragraph(subject: str) -> str:
    return (f"<p>{subject} is one of the largest insurers in the country, with offices in every "
            f"state, a long record of paying claims, and plans for homes and cars.</p>")


def _wrapped(html: str) -> tuple[bool, str, str]:
    body = lxml.html.document_fromstring(html).find("body")
    wrapped = wrap_main_block(body)
    article = body.find(".//article")
    inside = article.text_content() if article is not None else ""
    return wrapped, inside, body.text_content()


def test_the_block_holding_the_paragraphs_is_wrapped_without_the_sidebar() -> None:
    story = "".join(_paragraph(name) for name in ("Harbor Mutual", "Ridge Insurance", "Lantern Life"))
    wrapped, inside, page = _wrapped(
        f"<html><body><div><a href='/'>Home</a></div><div><h1>Insurers</h1>{story}</div>"
        f"{_SIDEBAR}</body></html>")
    assert wrapped
    assert "Harbor Mutual" in inside and "Lantern Life" in inside and "Insurers" in inside
    assert "Sign up" not in inside and "Home" not in inside
    assert "Sign up" in page  # wrapped, nothing removed


def test_sections_each_a_block_are_wrapped_together() -> None:
    # Each section's own block scores best; the main block is the one holding most of the
    # page's paragraph text: all sections.
    sections = "".join(f"<div><h2>{n}. {name}</h2><div>{_paragraph(name)}{_paragraph(name)}</div></div>"
                       for n, name in enumerate(("Harbor Mutual", "Ridge Insurance", "Lantern Life",
                                                 "Coast Casualty", "Summit Assurance"), start=1))
    wrapped, inside, _ = _wrapped(f"<html><body><div>{sections}</div>{_SIDEBAR}</body></html>")
    assert wrapped
    for name in ("Harbor Mutual", "Ridge Insurance", "Lantern Life", "Coast Casualty",
                 "Summit Assurance"):
        assert name in inside
    assert "Sign up" not in inside


def test_a_page_of_links_or_of_body_text_is_left_alone() -> None:
    links = "".join(f"<p><a href='/{n}'>A headline of the day, number {n}, on the front</a></p>"
                    for n in range(20))
    assert _wrapped(f"<html><body><div>{links}</div></body></html>")[0] is False
    story = "".join(_paragraph(name) for name in ("Harbor Mutual", "Ridge Insurance"))
    assert _wrapped(f"<html><body>{story}</body></html>")[0] is False

"""Template lines leave the text; sentences that merely start like them stay."""

from __future__ import annotations

import lxml.html
import pytest

from pipelines.boilerplate import clean_text, prune_page

BODY = ["The blaze started at dawn in the old mill on the river.",
        "Firefighters from three towns fought it through the morning.",
        "The owners said they would rebuild the mill by next spring."]


@pytest.mark.parametrize("sentence", [
    "By noon, the fire was out.",
    "By the time crews arrived, the roof had fallen in.",
    "First published in 1922, Ulysses was banned in the United States for a decade.",
    "Via Rail cancelled two trains because of the smoke.",
    "Sources say the insurer will pay for the repairs.",
    "Credit card payments at the mill shop were suspended.",
    "Reprinted from the 1910 edition, the map shows the mill and its weir.",
    "Originally published in 1987, the guide is still sold at the mill shop.",
    "Original story ideas sent in by readers shaped the series on the mill, the editor said.",
    "Photo: the eastern span at dusk.",
    "Reporting by phone, the crews said the mill was lost.",
    "By Saturday, at least 60 homes in the valley had lost power and the number was still growing.",
    "Video Marketing",
    "Comments?",  # a line of a letter asking for them, not the comments' heading
    "Source in the ministry",
    "Full story in pictures",
    "Vía libre al nuevo puente tras la votación del pleno.",
    "Bron van zorg blijft de haven, zei de burgemeester.",
    "Weiterlesen lohnt sich: der Bericht nennt alle Kosten der Deiche.",
])
def test_a_sentence_that_starts_like_a_template_line_stays(sentence: str) -> None:
    for position in (0, 1, len(BODY)):  # at the start, inside, at the end
        lines = [*BODY[:position], sentence, *BODY[position:]]
        assert clean_text("\n".join(lines)).splitlines() == lines


@pytest.mark.parametrize("template_line", [
    "By Jane Doe, Staff Writer",
    "By JOHN SMITH | Riverton",
    "Written by the Associated Press",
    "via Valley Tribune",
    "Via: www.valleytribune.com",
    "Source: Reuters",
    "Original Article",
    "Read the full story at the Harbor Courier",
    "Source link",  # the words of a source link, read by the source stage too
    "View original ›",
    "Read the original story on The Harbor Courier",
    "Continue reading on Metro Ledger",
    "This article appeared in The Harbor Courier",
    # Every lead-in the source stage reads before a link, followed by a name.
    "Reprinted with permission from The Harbor Courier",
    "Originally published at harborcourier.com",
    "Continue reading the original article at Metro Ledger",
    "Quelle: Harbor Courier",
    "Fuente: El Cable",
    "Read more at the source: Valley Tribune",
    "Zuerst erschienen bei Der Kurier",
    "Lire la suite sur Le Courrier",
    "Publicado originalmente en El Correo",
    "Bron: De Koerier",
    "Leia o artigo original",
    # Credits for the pictures and the reporting.
    "Photo: Jane Doe/Reuters",
    "Image credit: Getty Images",
    "Photo courtesy of Harbor Courier",
    "(Reporting by Greg Roumeliotis, Joshua Franklin; Editing by Ann Lee)",
    "Additional reporting by Joseph Hudak",
    "Written by",
])
def test_template_lines_are_removed_anywhere(template_line: str) -> None:
    for position in (0, 2, len(BODY)):
        lines = [*BODY[:position], template_line, *BODY[position:]]
        assert clean_text("\n".join(lines)).splitlines() == BODY


def test_a_published_elsewhere_sentence_is_removed_at_the_edges_only() -> None:
    note = "This story was first published by The Harbor Courier."
    assert clean_text("\n".join([*BODY, note])).splitlines() == BODY
    assert clean_text("\n".join([note, *BODY])).splitlines() == BODY
    middle = [*BODY, note, *BODY]
    assert clean_text("\n".join(middle)).splitlines() == middle


def test_page_builder_blocks_numbered_apart_are_kept_like_their_kind() -> None:
    # Each block carries an id of its own among its kind's class names: one block of the
    # kind holding prose keeps its short siblings; the share bar, of another kind, goes.
    def widget(number: str, kind: str, body: str) -> str:
        return (f'<div class="elementor-element elementor-element-{number} elementor-widget '
                f'elementor-widget-{kind}"><div class="elementor-widget-container">{body}</div></div>')
    long_paragraph = "<p>" + "The mill's new owners plan to restore the wheel and the weir. " * 5 + "</p>"
    html = ("<html><body><main>"
            + widget("7e8c3baa", "text-editor", long_paragraph * 2)
            + widget("3e6fdcc6", "text-editor", "<p>Short tip: check the weir before spring.</p>")
            + widget("61f3c70", "text-editor", "<p>Another short tip about the old wheel.</p>")
            + widget("b42c36a", "share-buttons", '<a href="/s/fb">Share on Facebook</a>')
            + "</main></body></html>")
    root = lxml.html.document_fromstring(html)
    prune_page(root, "http://mill.test/blog/restoring-the-mill/")
    text = root.text_content()
    assert "Short tip: check the weir" in text and "Another short tip" in text
    assert "Share on Facebook" not in text


def test_a_dateline_by_the_headline_is_removed_a_date_in_a_sentence_stays() -> None:
    story = ("The ferry carried its first passengers in nine days on Wednesday morning.\n"
             "It will run six crossings a day until April 30, 2008.\n"
             "March 14, 2008\n"
             "Islanders lined up at the dock well before the first departure.")
    assert clean_text("Thursday, March 13, 2008 10:45 AM\n" + story) == story


def test_comments_in_highlighted_code_are_the_articles() -> None:
    # Syntax highlighters name a code comment's span like a comments section.
    root = lxml.html.fromstring(
        "<html><body><article><p>Undo the last commit and keep its changes:</p>"
        "<pre><code><span class='hljs-comment'># back the branch up to the previous commit</span>\n"
        "git reset --soft HEAD~1</code></pre>"
        "<pre class='language-python'><code><span class='token comment'># a dry run first</span>\n"
        "run(dry=True)</code></pre></article>"
        "<div class='comments'><p>Nice post!</p></div></body></html>")
    prune_page(root, "https://blog.test/git-undo")
    text = root.text_content()
    assert "back the branch up to the previous commit" in text and "a dry run first" in text
    assert "Nice post!" not in text

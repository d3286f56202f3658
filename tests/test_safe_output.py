"""What a hostile page puts in its title or text reaches a terminal only as inert escapes,
and a page's own charset declarations cannot turn its text into mojibake."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse

from crawler.demo import print_stories
from crawler.encoding import decoded_html
from crawler.safe_text import for_terminal, json_line
from tests.conftest import ROOT, read_store, run_crawl
from tests.hostile import HostileServer, HostileWeb, article, html

# Clear the screen, set the window title, a C1 control, a right-to-left override.
EVIL_TITLE = "Budget\x1b[2J\x1b]0;owned\x07 vote\x85 passes \u202egnp.exe"
RAW_CONTROLS = ("\x1b", "\x07", "\x85", "\u202e")


def test_terminal_text_shows_controls_as_escapes() -> None:
    shown = for_terminal(EVIL_TITLE)
    assert not any(c in shown for c in RAW_CONTROLS)
    assert "\\u001b[2J" in shown and "\\u202e" in shown


def test_json_lines_escape_controls_and_keep_the_value() -> None:
    line = json_line({"title": EVIL_TITLE, "text": "line one\nline two"})
    assert not any(c in line for c in RAW_CONTROLS) and "\n" not in line
    assert json.loads(line) == {"title": EVIL_TITLE, "text": "line one\nline two"}


@pytest.fixture(scope="module")
def evil_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("evil")
    web = HostileWeb({
        "http://evil.test/": html('<a href="/story">story</a>'),
        # JSON escapes bring raw controls through the HTML parser, which drops most others.
        "http://evil.test/story": html(article("Budget vote passes in the city council"), head=(
            f"<title>{EVIL_TITLE}</title>" '<script type="application/ld+json">'
            + json.dumps({"@type": "NewsArticle", "headline": EVIL_TITLE}) + "</script>")),
    })
    with HostileServer(web) as server:
        result = run_crawl(server.url, workdir, "-a", "start_urls=http://evil.test/",
                           "-O", str(workdir / "feed.jsonl"))
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir


def test_feed_and_export_carry_no_raw_control_characters(evil_store: Path, tmp_path: Path) -> None:
    exported = subprocess.run(
        [sys.executable, "-m", "scrapy.cmdline", "export", "-o", "-",
         "-s", f"STORAGE_SQLITE_PATH={evil_store / 'store.db'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert exported.returncode == 0, exported.stderr[-2000:]
    feed = (evil_store / "feed.jsonl").read_text("utf-8")
    stored_title = read_store(evil_store / "store.db")["articles"]["http://evil.test/story"]["title"]
    assert any(c in stored_title for c in RAW_CONTROLS)  # the page's data, kept as it is
    for output in (exported.stdout, feed):
        assert not any(c in output for c in RAW_CONTROLS)
        (record,) = [json.loads(line) for line in output.splitlines()]
        assert record["title"] == stored_title


def test_the_demo_story_table_prints_no_raw_control_characters(
        evil_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    print_stories(evil_store / "store.db")
    printed = capsys.readouterr().out
    assert "Budget" in printed
    assert not any(c in printed for c in RAW_CONTROLS)


BODY = '<html><head><meta charset="utf-8"></head><body><p>Café déjà vu — naïve</p></body></html>'


@pytest.mark.parametrize("header", [
    "text/html; charset=windows-1251", "text/html; charset=iso-8859-1",
    "text/html; charset=utf-16", "text/html; charset=no-such-charset", "text/html",
])
def test_a_wrong_charset_header_does_not_override_a_page_that_is_utf8(header: str) -> None:
    response = HtmlResponse("http://a.test/", body=BODY.encode("utf-8"),
                            headers={"Content-Type": header})
    assert "Café déjà vu — naïve" in decoded_html(response)


def test_a_legacy_page_keeps_its_declared_single_byte_charset() -> None:
    body = BODY.replace("utf-8", "windows-1252").encode("cp1252")
    response = HtmlResponse("http://a.test/", body=body,
                            headers={"Content-Type": "text/html; charset=utf-8"})
    assert "Café déjà vu — naïve" in decoded_html(response)

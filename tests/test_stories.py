"""`copydesk stories`: the stories of a store as a table, as JSON, and as an HTML page that
a real browser renders."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

BRIDGE = "http://riverton-herald.test/news/2026/03/harbor-bridge-closes-for-repairs.html"


def stories(store: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scrapy.cmdline", "stories", *args,
                           "-s", f"STORAGE_SQLITE_PATH={store}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_the_table_shows_each_story_with_its_original_first(first_crawl: dict[str, Any]) -> None:
    result = stories(first_crawl["workdir"] / "store.db", "--limit", "0")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    headers = [line for line in lines if line.startswith("st-")]
    assert len(headers) == len(first_crawl["stories"])
    bridge = next(i for i, line in enumerate(lines) if "Harbor Bridge" in line)
    assert lines[bridge + 1].startswith("  * ") and BRIDGE in lines[bridge + 1]


def test_json_lists_every_matching_story_with_its_copies(first_crawl: dict[str, Any]) -> None:
    store = first_crawl["workdir"] / "store.db"
    everything = json.loads(stories(store, "--json").stdout)
    assert {s["story_id"] for s in everything} == set(first_crawl["stories"])
    for story in everything:
        assert story["copies"] == len(story["pages"]) - 1
        assert story["pages"][0]["url"] == story["canonical_url"]
    several = json.loads(stories(store, "--json", "--min-copies", "2").stdout)
    assert several and all(s["copies"] >= 2 for s in several)
    on_site = json.loads(stories(store, "--json", "--site", "autoblog-news.test").stdout)
    assert on_site and all(any("autoblog-news.test" in p["url"] for p in s["pages"]) for s in on_site)
    one = json.loads(stories(store, "--json", "--story", everything[0]["story_id"]).stdout)
    assert [s["story_id"] for s in one] == [everything[0]["story_id"]]
    assert json.loads(stories(store, "--json", "--since", "1d").stdout) == everything
    assert json.loads(stories(store, "--json", "--since", "2999-01-01").stdout) == []


def test_a_bad_filter_is_a_one_line_error(first_crawl: dict[str, Any]) -> None:
    result = stories(first_crawl["workdir"] / "store.db", "--since", "last tuesday")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --since 'last tuesday' is not a date (2026-03-01), datetime or age (7d, 12h)"]


def test_the_html_report_renders_in_a_real_browser(first_crawl: dict[str, Any], tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Chromium is not installed (.ci/run installs it)")
    report = tmp_path / "report.html"
    result = stories(first_crawl["workdir"] / "store.db", "--html", str(report))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "http://" not in report.read_text().split("<body>")[0]  # nothing loaded from a network
    browser = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0",
         "--dump-dom", report.as_uri()],
        capture_output=True, text=True, timeout=120)
    assert browser.returncode == 0, browser.stderr[-2000:]
    assert "CONSOLE" not in browser.stderr and "Uncaught" not in browser.stderr
    dom = browser.stdout
    for story in first_crawl["stories"].values():
        assert f'id="{story["story_id"]}"' in dom
        assert story["title"].replace("'", "&#x27;") in dom or story["title"] in dom
    assert dom.count('<svg class="timeline"') == len(first_crawl["stories"])
    assert 'aria-label="copy rate per site"' in dom and "autoblog-news.test" in dom


def test_the_demo_ends_by_saying_where_its_store_and_html_report_are(tmp_path: Path) -> None:
    command = [sys.executable, "-c", "from crawler.cli import main; main()", "demo",
               "--db", str(tmp_path / "demo.db"), "--html", str(tmp_path / "demo.html")]
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    last = first.stdout.strip().splitlines()[-2:]
    assert last == [f"store: {tmp_path / 'demo.db'}  (see it again: copydesk stories -s "
                    f"STORAGE_SQLITE_PATH={tmp_path / 'demo.db'})",
                    f"HTML story report: {tmp_path / 'demo.html'}"]
    assert "Harbor Bridge" in (tmp_path / "demo.html").read_text()
    again = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0
    assert first.stdout.split("\n\n")[1] == again.stdout.split("\n\n")[1]  # same stories kept

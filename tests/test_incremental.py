"""Scheduled crawls: run again and again, do only the new work, lose nothing."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.sampleweb.build import build_web
from crawler.sampleweb.server import SampleWebServer
from tests.conftest import ROOT, read_store, run_crawl

SOURCES = Path(__file__).parent / "fixtures" / "sources.toml"
BRIDGE = "http://riverton-herald.test/news/2026/03/harbor-bridge-closes-for-repairs.html"


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Path, SampleWebServer, Path]]:
    """A sample web of this test's own (tests change it), its proxy and the proxy's log."""
    yield from served_web(tmp_path, validators=True)


def served_web(tmp_path: Path, validators: bool) -> Iterator[tuple[Path, SampleWebServer, Path]]:
    root = tmp_path / "web"
    build_web().write(root)
    log_path = tmp_path / "proxy.jsonl"
    with open(log_path, "w") as log, SampleWebServer(root, log=log, validators=validators) as server:
        yield root, server, log_path


def crawl(server: SampleWebServer, workdir: Path, *extra: str) -> dict[str, Any]:
    result = run_crawl(server.proxy_url, workdir, "-a", f"sources={SOURCES}", *extra)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads((workdir / "stats.json").read_text())


def fetched(log_path: Path, skip: int = 0) -> list[str]:
    """URLs the proxy answered with 200 to a GET, after the first `skip` log lines."""
    lines = log_path.read_text().splitlines()[skip:]
    return [e["url"] for e in map(json.loads, lines) if e["method"] == "GET" and e["status"] == 200]


def test_second_run_fetches_no_article_again_and_stores_nothing_twice(web: Any, tmp_path: Path) -> None:
    _, server, log_path = web
    first = crawl(server, tmp_path)
    first_fetches = fetched(log_path)
    stored = read_store(tmp_path / "store.db")
    first_lines = len(log_path.read_text().splitlines())

    second = crawl(server, tmp_path)
    again = set(fetched(log_path, skip=first_lines))
    assert not again & set(stored["articles"])  # no article page fetched twice
    assert second.get("item_scraped_count", 0) == 0
    assert second["incremental/not_modified"] > 0  # listings, feeds and sitemaps answered 304
    assert len(again) < len(first_fetches) / 2
    assert read_store(tmp_path / "store.db") == stored
    assert first["item_scraped_count"] == len(stored["articles"])


@pytest.fixture
def web_without_validators(tmp_path: Path) -> Iterator[tuple[Path, SampleWebServer, Path]]:
    """The sample web served by a server that sends no ETag or Last-Modified."""
    yield from served_web(tmp_path, validators=False)


def test_rewalk_without_validators_reads_only_start_pages_feeds_and_sitemaps(
        web_without_validators: Any, tmp_path: Path) -> None:
    root, server, log_path = web_without_validators
    notice = root / "sites/newsdigest-hub.test/notice/index.html"  # a dead end, no article
    notice.parent.mkdir(parents=True)
    notice.write_text("<html><body><p>Office closed Monday.</p></body></html>")
    home = root / "sites/newsdigest-hub.test/index.html"
    home.write_text(home.read_text().replace(
        "<h1>Latest news</h1>", '<h1>Latest news</h1><a href="http://newsdigest-hub.test/notice/">Notice</a>'))
    crawl(server, tmp_path)
    first_lines = len(log_path.read_text().splitlines())
    with sqlite3.connect(tmp_path / "store.db") as db:
        remembered = dict(db.execute("SELECT url, reason FROM remembered_pages"))
    assert remembered["http://newsdigest-hub.test/about/"] == "site page"
    assert remembered["http://newsdigest-hub.test/notice/"] == "too short"
    # A section that is no article but lists articles is read again every run.
    assert remembered["http://newsdigest-hub.test/world/"] == "listing"

    second = crawl(server, tmp_path)
    again = fetched(log_path, skip=first_lines)
    stored = read_store(tmp_path / "store.db")["articles"]
    dropped = {url for url, reason in remembered.items() if reason != "listing"}
    assert not set(again) & (set(stored) | dropped)  # nothing stored or dropped
    assert not [url for url in again if "/page/" in url]  # page 1 offered nothing new
    assert second["crawl/skipped/stale_listing_links"] > 0
    assert second["incremental/skipped_no_article"] > 0

    # A new story on a home page: read, and the next page too (page 1 had news), no further.
    add_copy_of_the_bridge_story(root)
    lines = len(log_path.read_text().splitlines())
    crawl(server, tmp_path)
    third = fetched(log_path, skip=lines)
    assert "http://newsdigest-hub.test/local/bridge-closure-again/" in third
    assert "http://newsdigest-hub.test/page/2/" in third
    assert "http://newsdigest-hub.test/page/3/" not in third


def test_each_robots_txt_is_read_once_per_crawl(web: Any, tmp_path: Path) -> None:
    _, server, log_path = web
    crawl(server, tmp_path)
    robots = [url for url in fetched(log_path) if url.endswith("/robots.txt")]
    assert robots and len(robots) == len(set(robots))


def test_changed_page_and_feed_are_seen_as_an_update_of_the_story(web: Any, tmp_path: Path) -> None:
    root, server, _ = web
    crawl(server, tmp_path)
    story = read_store(tmp_path / "store.db")["articles"][BRIDGE]["story_id"]

    page = root / "sites/riverton-herald.test/news/2026/03/harbor-bridge-closes-for-repairs.html"
    page.write_text(page.read_text().replace(
        "</div></article>", "<p>Update: the city said on Monday that the repairs could finish a "
        "week early if the weather stays dry.</p></div></article>", 1))
    feed = root / "sites/riverton-herald.test/rss.xml"
    later = (datetime.now(UTC) + timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    feed.write_text(feed.read_text().replace("Mon, 02 Mar 2026 08:15:00 +0000", later))

    stats = crawl(server, tmp_path)
    assert stats["incremental/refetched_changed"] == 1
    assert stats["storage/articles_updated"] == 1
    data = read_store(tmp_path / "store.db")
    assert "finish a week early" in data["articles"][BRIDGE]["text"]
    assert data["articles"][BRIDGE]["story_id"] == story
    history = sqlite3.connect(tmp_path / "store.db").execute(
        "SELECT event FROM story_history WHERE story_id=?", (story,)).fetchall()
    assert ("page_updated",) in history


def add_copy_of_the_bridge_story(root: Path) -> str:
    """A new aggregator copy of the bridge story, linked from its home page; its URL."""
    copy = root / "sites/newsdigest-hub.test/local/bridge-closure-again/index.html"
    copy.parent.mkdir(parents=True)
    original = (root / "sites/newsdigest-hub.test/local/harbor-bridge-to-close-for-six-weeks/index.html")
    copy.write_text(original.read_text().replace("admin", "night desk"))
    home = root / "sites/newsdigest-hub.test/index.html"
    home.write_text(home.read_text().replace(
        "<h1>Latest news</h1>", '<h1>Latest news</h1><article class="post"><h2><a href="'
        'http://newsdigest-hub.test/local/bridge-closure-again/">Bridge closure again</a></h2></article>'))
    return "http://newsdigest-hub.test/local/bridge-closure-again/"


def test_new_copy_of_an_old_story_joins_its_story(web: Any, tmp_path: Path) -> None:
    root, server, _ = web
    crawl(server, tmp_path)
    story = read_store(tmp_path / "store.db")["articles"][BRIDGE]["story_id"]

    add_copy_of_the_bridge_story(root)

    stats = crawl(server, tmp_path)
    new = read_store(tmp_path / "store.db")["articles"]["http://newsdigest-hub.test/local/bridge-closure-again/"]
    assert new["story_id"] == story
    assert stats["source/newsdigest/joined_old_stories"] == 1
    assert stats["source/newsdigest/new_articles"] == 1
    assert stats["incremental/skipped_stored"] > 0  # the changed home page's other links


def test_store_of_an_older_release_is_upgraded_and_its_stories_still_join(web: Any, tmp_path: Path) -> None:
    root, server, _ = web
    crawl(server, tmp_path)
    story = read_store(tmp_path / "store.db")["articles"][BRIDGE]["story_id"]
    with sqlite3.connect(tmp_path / "store.db") as db:  # as the release before band keys
        db.execute("UPDATE story_index SET bands=NULL, url_key=NULL")
        db.execute("DELETE FROM index_meta WHERE key='derived_scheme'")
    copy = add_copy_of_the_bridge_story(root)

    crawl(server, tmp_path)
    with sqlite3.connect(tmp_path / "store.db") as db:
        missing = db.execute("SELECT COUNT(*) FROM story_index WHERE bands IS NULL"
                             " OR url_key IS NULL").fetchone()[0]
    assert missing == 0
    assert read_store(tmp_path / "store.db")["articles"][copy]["story_id"] == story


def test_damaged_story_index_stops_the_crawl_with_one_line(web: Any, tmp_path: Path) -> None:
    _, server, _ = web
    crawl(server, tmp_path)
    with sqlite3.connect(tmp_path / "store.db") as db:
        db.execute("UPDATE story_index SET bands=x'0102' WHERE rowid=1")
    result = run_crawl(server.proxy_url, tmp_path, "-a", f"sources={SOURCES}")
    assert result.returncode == 1
    assert "corrupt story index entry" in result.stderr and "Traceback" not in result.stderr


def test_killed_crawl_leaves_a_clean_store_and_the_next_run_completes(web: Any, tmp_path: Path) -> None:
    _, server, _ = web
    complete = tmp_path / "complete"
    complete.mkdir()
    crawl(server, complete)
    everything = set(read_store(complete / "store.db")["articles"])

    env = {**os.environ, "http_proxy": server.proxy_url, "no_proxy": ""}
    slow = subprocess.Popen(
        [sys.executable, "-m", "scrapy.cmdline", "crawl", "news", "-a", f"sources={SOURCES}",
         "-s", f"STORAGE_SQLITE_PATH={tmp_path / 'store.db'}", "-s", "DOWNLOAD_DELAY=0.3",
         "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS=1"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _count_articles(tmp_path / "store.db") < 3:
            time.sleep(0.1)
    finally:
        slow.send_signal(signal.SIGKILL)
        slow.wait()
    db = sqlite3.connect(tmp_path / "store.db")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    before_kill = {url for (url,) in db.execute("SELECT url FROM articles")}
    db.close()
    assert 3 <= len(before_kill) < len(everything)

    crawl(server, tmp_path)
    after = read_store(tmp_path / "store.db")
    assert set(after["articles"]) == everything
    assert before_kill <= set(after["articles"])


def _count_articles(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        connection = sqlite3.connect(db, timeout=1)
        (count,) = connection.execute("SELECT COUNT(*) FROM articles").fetchone()
        connection.close()
        return int(count)
    except sqlite3.OperationalError:
        return 0  # not created yet


def test_a_consumer_applying_each_runs_feed_ends_with_the_store(web: Any, tmp_path: Path) -> None:
    # The first run sees only an aggregator's copies; the second finds their originals, which
    # change stories stored by the first run: its feed carries those pages again.
    _, server, _ = web
    downstream: dict[str, dict[str, Any]] = {}
    runs = [("http://autoblog-news.test/", "-s", "CRAWL_SOURCE_HOPS=0",
             "-s", "CRAWL_DISCOVER_ORIGINALS=False"),
            ("http://autoblog-news.test/,http://newsdigest-hub.test/",)]
    earlier: set[str] = set()
    for number, (starts, *extra) in enumerate(runs):
        feed = tmp_path / f"run{number}.jsonl"
        result = run_crawl(server.proxy_url, tmp_path, "-a", f"start_urls={starts}", *extra,
                           "-O", str(feed))
        assert result.returncode == 0, result.stderr[-3000:]
        records = [json.loads(line) for line in feed.read_text().splitlines()]
        downstream.update((r["url"], r) for r in records)  # last record of a URL wins
        if number == 1:
            assert earlier & {r["url"] for r in records}  # earlier pages, revised
        earlier |= {r["url"] for r in records}
    stored = read_store(tmp_path / "store.db")["articles"]
    current = ("story_id", "canonical_url", "similarity")
    assert {u: [r[f] for f in current] for u, r in downstream.items()} == {
        u: [a[f] for f in current] for u, a in stored.items()}

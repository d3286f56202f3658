"""A web that tries to hurt the crawler: page bombs, traps, a failing or busy store, a
damaged store, a slow server at shutdown. Each test reproduces one failure the crawler
used to suffer, against a hostile server of our own on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from crawler.sampleweb.build import START_URLS
from pipelines.extraction import ArticleExtractor, Extraction, ExtractionOptions
from pipelines.sources import parse_markup
from pipelines.store_lock import StoreLock
from tests.conftest import ROOT, crawl_env, read_store, run_crawl
from tests.hostile import HostileServer, HostileWeb, Reply, article, html, page_bombs, redirect

FAST = ("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "RETRY_ENABLED=False")


def stats_of(workdir: Path) -> dict[str, Any]:
    return json.loads((workdir / "stats.json").read_text())


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    return lines[0]


# --- Bounded work per page ----------------------------------------------------------------

@pytest.mark.parametrize("name", list(page_bombs()))
def test_page_bombs_keep_their_article(name: str) -> None:
    """Each page holds a real article inside a structure built to make some step grow
    faster than the page (CPU per page: bench/hostile.py)."""
    html_text = page_bombs()[name]
    assert parse_markup(html_text, "http://bombs.test/x") is not None
    result = ArticleExtractor(ExtractionOptions()).extract(html_text, "http://bombs.test/x")
    assert isinstance(result, Extraction), result
    assert "The council met on day 3" in result.text
    assert result.title is not None and len(result.title) <= 501


def test_nested_json_ld_loses_neither_the_page_nor_its_links(tmp_path: Path) -> None:
    nested = '<script type="application/ld+json">' + "[" * 50_000 + "]" * 50_000 + "</script>"
    web = HostileWeb({
        "http://nested.test/": html('<a href="/one">one</a>'),
        "http://nested.test/one": html(article("First story here") + '<a href="/two">next</a>', head=nested),
        "http://nested.test/two": html(article("Second story here")),
    })
    with HostileServer(web) as server:
        result = run_crawl(server.url, tmp_path, "-a", "start_urls=http://nested.test/", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "RecursionError" not in result.stderr
    assert set(read_store(tmp_path / "store.db")["articles"]) == {
        "http://nested.test/one", "http://nested.test/two"}


def test_a_page_of_100000_links_queues_only_the_per_page_cap(tmp_path: Path) -> None:
    links = "".join(f'<a href="/n/{i}">n{i}</a> ' for i in range(100_000))
    web = HostileWeb({"http://links.test/": html(links)})
    with HostileServer(web) as server:
        result = run_crawl(server.url, tmp_path, "-a", "start_urls=http://links.test/",
                           "-s", "CRAWL_MAX_LINKS_PER_PAGE=40", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = stats_of(tmp_path)
    assert stats["crawl/skipped/links_over_page_limit"] > 1000
    assert len([e for e in web.log if "/n/" in e.url]) == 40


# --- Traps --------------------------------------------------------------------------------

def _session_trap() -> HostileWeb:
    """Every page links to the site's pages with a new session id in every URL."""
    def page(body: str) -> Any:
        def answer(url: str) -> Reply:
            sid = uuid.uuid4().hex
            links = "".join(f'<a href="/{p}?sid={sid}">{p}</a> ' for p in ("a", "b", "c"))
            return html(body + links + f'<a href="/?PHPSESSID={sid}">home</a> '
                        f'<a href="/a;jsessionid={sid}">a again</a>')
        return answer

    return HostileWeb({
        "http://trap.test/": page(""), "http://trap.test/?*": page(""),
        **{f"http://trap.test/{p}*": page(article(f"Story {p} about the harbour"))
           for p in ("a", "b", "c")},
    })


def test_session_id_trap_stores_each_page_once_and_ends(tmp_path: Path) -> None:
    web = _session_trap()
    with HostileServer(web) as server:
        result = run_crawl(server.url, tmp_path, "-a", "start_urls=http://trap.test/", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(read_store(tmp_path / "store.db")["articles"]) == [
        "http://trap.test/a", "http://trap.test/b", "http://trap.test/c"]
    assert len(web.log) <= 6  # robots.txt, home, three stories (and nothing more than one extra)


def test_a_trap_that_invents_paths_stops_at_the_site_budget(tmp_path: Path) -> None:
    def endless(url: str) -> Reply:
        return html("".join(f'<a href="/s/{uuid.uuid4().hex}/x">more</a>' for _ in range(3)))

    web = HostileWeb({"http://paths.test/": endless, "http://paths.test/s/*": endless})
    with HostileServer(web) as server:
        result = run_crawl(server.url, tmp_path, "-a", "start_urls=http://paths.test/",
                           "-s", "CRAWL_MAX_PAGES_PER_SITE=25", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len([e for e in web.log if not e.url.endswith("robots.txt")]) == 25
    assert stats_of(tmp_path)["crawl/skipped/site_page_limit"] >= 1


def test_the_same_listing_under_another_url_is_not_followed_again(tmp_path: Path) -> None:
    listing = html('<a href="/x/1">1</a> <a href="/x/2">2</a> <a href="/list?view=grid">grid</a>'
                   ' <a href="/list?view=list">list</a>')
    web = HostileWeb({"http://dup.test/": listing, "http://dup.test/list?*": listing,
                      "http://dup.test/x/*": html(article("A story of the valley"))})
    with HostileServer(web) as server:
        result = run_crawl(server.url, tmp_path, "-a", "start_urls=http://dup.test/", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    assert stats_of(tmp_path)["crawl/skipped/same_links_as_another_page"] == 2


# --- Drops that used to go uncounted -----------------------------------------------------

def test_redirect_limits_size_bombs_and_robots_timeouts_are_counted(tmp_path: Path) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024))

    def slow_robots(url: str) -> Reply:
        time.sleep(3)
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"

    web = HostileWeb({
        "http://counted.test/": html('<a href="/r/0">r</a> <a href="/bomb">b</a>'),
        **{f"http://counted.test/r/{i}": redirect(f"/r/{i + 1}") for i in range(20)},
        "http://counted.test/bomb": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb),
        "http://counted.test/robots.txt": slow_robots,
    })
    with HostileServer(web) as server:
        result = run_crawl(server.url, tmp_path, "-a", "start_urls=http://counted.test/",
                           "-s", "DOWNLOAD_TIMEOUT=1", *FAST)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = stats_of(tmp_path)
    assert stats["crawl/error/redirect_limit"] == 1
    assert stats["crawl/error/too_large"] == 1
    assert any(k.startswith("robotstxt/exception_count/") for k in stats), stats
    summary = next(line for line in result.stderr.splitlines() if "summary:" in line)
    assert " 3 errors" in summary, summary


# --- The store: no silent loss -----------------------------------------------------------

def _crawl_sample(proxy: Any, workdir: Path, **popen: Any) -> subprocess.CompletedProcess[str]:
    return run_crawl(proxy.proxy_url, workdir, "-a", "start_urls=" + ",".join(START_URLS), **popen)


def test_a_full_disk_fails_the_crawl_loudly_and_the_next_run_completes_the_store(
        proxy: Any, first_crawl: dict[str, Any], tmp_path: Path) -> None:
    def small_disk() -> None:  # writes past 400 kB fail, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    failed = _crawl_sample(proxy, tmp_path, preexec_fn=small_disk)
    assert failed.returncode == 1, failed.stderr[-3000:]
    assert "error: the store failed" in failed.stderr.splitlines()[-1]
    assert "<html" not in failed.stderr.lower()  # the page is not dumped into the log
    db = sqlite3.connect(tmp_path / "store.db")
    stored_after_failure = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert stored_after_failure < len(first_crawl["articles"])
    assert db.execute("SELECT COUNT(*) FROM http_validators").fetchone()[0] == 0
    # Index rows and articles are written together: no index row without its article.
    assert db.execute("SELECT COUNT(*) FROM story_index WHERE url NOT IN "
                      "(SELECT url FROM articles)").fetchone()[0] == 0
    db.close()
    completed = _crawl_sample(proxy, tmp_path)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert set(read_store(tmp_path / "store.db")["articles"]) == set(first_crawl["articles"])


def _slow_site(articles: int, delay: float) -> HostileWeb:
    def slow(url: str) -> Reply:
        time.sleep(delay)
        return html(article(f"Story {url.rsplit('/', 1)[1]} from the valley"))

    links = " ".join(f'<a href="/story/{i}">{i}</a>' for i in range(articles))
    return HostileWeb({"http://busy.test/": html(links, headers={"ETag": '"v1"'}),
                       "http://busy.test/story/*": slow})


def test_a_store_locked_by_another_process_fails_loudly_and_loses_nothing(tmp_path: Path) -> None:
    web = _slow_site(articles=12, delay=0.4)
    store = tmp_path / "store.db"
    holder_done = threading.Event()

    def stored() -> int:
        if not store.exists():
            return 0
        reader = sqlite3.connect(store)
        try:
            return int(reader.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
        except sqlite3.OperationalError:
            return 0  # the crawl has not created its tables yet
        finally:
            reader.close()

    def hold_write_lock() -> None:  # like a sqlite3 shell left inside a transaction
        while stored() == 0:
            time.sleep(0.05)
        other = sqlite3.connect(store, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        holder_done.wait(30)
        other.execute("ROLLBACK")
        other.close()

    holder = threading.Thread(target=hold_write_lock, daemon=True)
    with HostileServer(web) as server:
        holder.start()
        failed = run_crawl(server.url, tmp_path, "-a", "start_urls=http://busy.test/",
                           "-s", "STORAGE_LOCK_TIMEOUT=1", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", *FAST)
        holder_done.set()
        holder.join()
        assert failed.returncode == 1, failed.stderr[-3000:]
        assert "error: the store failed" in failed.stderr.splitlines()[-1]
        assert "database is locked" in failed.stderr
        check = sqlite3.connect(store)
        validators = check.execute("SELECT COUNT(*) FROM http_validators").fetchone()[0]
        check.close()
        assert validators == 0  # the listing is read again next run
        completed = run_crawl(server.url, tmp_path, "-a", "start_urls=http://busy.test/", *FAST)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert len(read_store(store)["articles"]) == 12


def test_a_second_crawl_on_the_same_store_is_refused(tmp_path: Path) -> None:
    lock = StoreLock.acquire(tmp_path / "store.db")  # this test process is the first crawl
    try:
        result = run_crawl(None, tmp_path, "-a", "start_urls=http://news.example/")
    finally:
        lock.release()
    assert result.returncode == 2
    assert "is in use by another crawl" in one_line_error(result)


def _valid_store(proxy: Any, workdir: Path) -> Path:
    result = run_crawl(proxy.proxy_url, workdir, "-a", f"start_urls={START_URLS[0]}",
                       "-s", "CRAWL_SOURCE_HOPS=0", "-s", "CRAWL_DISCOVER_ORIGINALS=False")
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir / "store.db"


def test_damaged_stores_end_in_one_line(proxy: Any, tmp_path: Path) -> None:
    store = _valid_store(proxy, tmp_path)
    other_settings = run_crawl(None, tmp_path, "-a", "start_urls=http://news.example/",
                               "-s", "DEDUP_SHINGLE_WORDS=4")
    assert other_settings.returncode == 2
    assert "built with other parameters" in one_line_error(other_settings)

    data = bytearray(store.read_bytes())
    for offset in range(4096 * 2, len(data), 997):  # flip bytes across the tables' pages
        data[offset] ^= 0xFF
    store.write_bytes(bytes(data))
    for suffix in ("-wal", "-shm"):
        Path(f"{store}{suffix}").unlink(missing_ok=True)
    flipped = run_crawl(None, tmp_path, "-a", "start_urls=http://news.example/")
    assert flipped.returncode == 2
    assert str(store) in one_line_error(flipped)

    store.write_text("not a database at all\n" * 200)
    not_a_db = run_crawl(None, tmp_path, "-a", "start_urls=http://news.example/")
    assert not_a_db.returncode == 2
    assert f"cannot use {store} as the Copydesk store" in one_line_error(not_a_db)


def test_a_read_only_store_ends_in_one_line(proxy: Any, tmp_path: Path) -> None:
    """Root ignores file permissions, so the store is put on a read-only bind mount."""
    source, mounted = tmp_path / "rw", tmp_path / "ro"
    source.mkdir()
    mounted.mkdir()
    _valid_store(proxy, source)
    (source / "store.db.lock").unlink()
    mount = subprocess.run(["mount", "--bind", str(source), str(mounted)], capture_output=True)
    if mount.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {mount.stderr.decode().strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mounted)], check=True)
        result = run_crawl(None, mounted, "-a", "start_urls=http://news.example/")
    finally:
        subprocess.run(["umount", str(mounted)], check=True)
    assert result.returncode == 2
    assert "Read-only file system" in one_line_error(result)
    # Without its lock file the store still cannot be written: also one line.
    subprocess.run(["mount", "--bind", str(source), str(mounted)], check=True)
    try:
        (source / "store.db.lock").touch()
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mounted)], check=True)
        result = run_crawl(None, mounted, "-a", "start_urls=http://news.example/")
    finally:
        subprocess.run(["umount", str(mounted)], check=True)
    assert result.returncode == 2
    assert f"cannot use {mounted / 'store.db'} as the Copydesk store" in one_line_error(result)


def test_a_crawl_whose_start_pages_all_fail_exits_1(tmp_path: Path) -> None:
    web = HostileWeb({"http://gone.test/": (503, {"Content-Type": "text/plain"}, b"down")})
    with HostileServer(web) as server:
        result = run_crawl(server.url, tmp_path, "-a", "start_urls=http://gone.test/", *FAST)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "error: none of the start pages, feeds or sitemaps could be fetched (see the log)")


# --- Shutdown -----------------------------------------------------------------------------

@pytest.mark.parametrize("moment", ["slow downloads in flight", "a page bomb being parsed"])
def test_sigterm_ends_a_crawl_within_10_seconds(tmp_path: Path, moment: str) -> None:
    bombs = list(page_bombs().values())

    def slow(url: str) -> Reply:
        time.sleep(25)
        return html(article("Too late"))

    links = " ".join(f'<a href="/p/{i}">{i}</a>' for i in range(8))
    routes: dict[str, Any] = {"http://stop.test/": html(links)}
    if moment == "slow downloads in flight":
        routes["http://stop.test/p/*"] = slow
    else:
        routes.update({f"http://stop.test/p/{i}": html(bombs[i % len(bombs)]) for i in range(8)})
    web = HostileWeb(routes)
    with HostileServer(web) as server:
        command = [sys.executable, "-m", "scrapy.cmdline", "crawl", "news",
                   "-a", "start_urls=http://stop.test/", *FAST,
                   "-s", f"STORAGE_SQLITE_PATH={tmp_path / 'store.db'}"]
        crawl = subprocess.Popen(command, cwd=ROOT, env=crawl_env(server.url),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        while not any("/p/" in e.url for e in web.log) and crawl.poll() is None:
            time.sleep(0.05)
        time.sleep(0.5)
        sent = time.monotonic()
        crawl.send_signal(signal.SIGTERM)
        try:
            _, stderr = crawl.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            crawl.kill()
            pytest.fail("the crawl was still running 10 s after SIGTERM")
    assert time.monotonic() - sent < 10
    assert "Traceback" not in stderr
    # The store opens cleanly afterwards.
    store = sqlite3.connect(tmp_path / "store.db")
    assert store.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    store.close()

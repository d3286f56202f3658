"""The store in PostgreSQL (STORE_URL): the same stories, export and incremental reruns as
the SQLite file, one writer at a time, one-line errors. A real PostgreSQL server, started by
the tests on a free loopback port."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.sampleweb.build import START_URLS
from crawler.sampleweb.server import SampleWebServer
from pipelines.databases import DatabaseError, StoreLocation
from pipelines.storage import open_store
from pipelines.store_lock import StoreLock
from tests.conftest import ROOT, crawl_env, read_store, run_crawl
from tests.test_incremental import fetched, served_web
from tests.test_scale_out import stories


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Path, SampleWebServer, Path]]:
    yield from served_web(tmp_path, validators=True)


def copydesk(*args: str, env: dict[str, str] | None = None,
             timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler.cli", *args], cwd=ROOT, check=False,
                          capture_output=True, text=True, timeout=timeout,
                          env=env or dict(os.environ))


def exported(*settings: str) -> list[dict[str, Any]]:
    """`copydesk export -o -` of a store, in its order, as records without the fetch times."""
    command = ["export", "-o", "-"]
    for setting in settings:
        command += ["-s", setting]
    result = copydesk(*command)
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in result.stdout.splitlines()]
    for record in records:
        del record["fetched_at"]
    return records


def by_url(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Records keyed by URL, without what the order pages arrive in decides in two crawls
    of one web: the story ids (compared as a grouping by stories()) and which of two
    copies found before their original measured its similarity against the other."""
    order_made = ("story_id", "similarity")
    return {r["url"]: {k: v for k, v in r.items() if k not in order_made} for r in records}


def test_a_crawl_into_postgresql_stores_and_exports_what_a_file_store_does_and_reruns_incrementally(
        first_crawl: dict[str, Any], web: Any, postgres_url: str, tmp_path: Path) -> None:
    _, server, log_path = web
    crawl = ("-a", "start_urls=" + ",".join(START_URLS), "-s", f"STORE_URL={postgres_url}")
    result = run_crawl(server.proxy_url, tmp_path, *crawl)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (tmp_path / "store.db").exists()  # STORE_URL wins over STORAGE_SQLITE_PATH

    store = read_store(postgres_url)
    assert set(store["articles"]) == set(first_crawl["articles"])
    assert stories(store) == stories(first_crawl)
    from_postgres = exported(f"STORE_URL={postgres_url}")
    from_file = exported(f"STORAGE_SQLITE_PATH={first_crawl['workdir'] / 'store.db'}")
    keys = [(r["story_id"], r["url"]) for r in from_postgres]
    assert keys == sorted(keys)  # by story, then URL, in code-point order as from a file
    assert by_url(from_postgres) == by_url(from_file)
    assert sorted(r["similarity"] for r in from_postgres) == sorted(
        r["similarity"] for r in from_file)
    listed = copydesk("stories", "--json", "-s", f"STORE_URL={postgres_url}")
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == len(first_crawl["stories"])

    # A scheduled rerun: nothing stored is fetched again, nothing is stored twice.
    first_lines = len(log_path.read_text().splitlines())
    rerun = run_crawl(server.proxy_url, tmp_path, *crawl)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats.get("item_scraped_count", 0) == 0
    assert stats["incremental/not_modified"] > 0
    assert not set(fetched(log_path, skip=first_lines)) & set(store["articles"])
    assert read_store(postgres_url) == store


def test_one_writer_at_a_time_and_a_killed_writer_frees_the_store(
        web: Any, postgres_url: str, tmp_path: Path) -> None:
    _, server, _ = web
    lock = StoreLock.acquire(StoreLocation.parse(postgres_url))  # this process is the writer
    try:
        second = run_crawl(server.proxy_url, tmp_path, "-a", "start_urls=" + START_URLS[0],
                           "-s", f"STORE_URL={postgres_url}", timeout=60)
        assert second.returncode == 2
        last = second.stderr.strip().splitlines()[-1]
        assert last.startswith("error: ") and "in use by another crawl or desk" in last
        assert f"copydesk writer pid {os.getpid()}" in last  # who holds it
    finally:
        lock.release()

    holder = subprocess.Popen(
        [sys.executable, "-c", ("import sys, time; from pipelines.store_lock import StoreLock;"
                                " StoreLock.acquire(sys.argv[1]); print('held', flush=True);"
                                " time.sleep(120)"), postgres_url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(Exception, match="in use by another crawl"):
            StoreLock.acquire(postgres_url)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        holder.stdout.close()
    deadline = time.monotonic() + 10  # the server notices the session's end at once
    while True:
        try:
            StoreLock.acquire(postgres_url).release()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize(("store_url", "says"), [
    ("postgresql://copydesk:secret@127.0.0.1:1/news",
     "error: cannot reach the PostgreSQL store postgresql://copydesk:***@127.0.0.1:1/news ("),
    ("mysql://127.0.0.1/news", "error: bad setting STORE_URL: unknown store 'mysql://127.0.0.1/news'"),
    ("sqlite://", "error: bad setting STORE_URL: sqlite:// names no file"),
])
def test_a_store_url_that_cannot_be_used_is_one_line(store_url: str, says: str,
                                                     tmp_path: Path) -> None:
    for command in (["crawl", "news", "-a", "start_urls=http://example.test/"], ["export", "-o", "-"],
                    ["stories"]):
        result = subprocess.run(
            [sys.executable, "-m", "scrapy.cmdline", *command, "-s", f"STORE_URL={store_url}"],
            cwd=ROOT, env=crawl_env(None), capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 2, (command, result.stderr[-2000:])
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(says), (command, lines)
        assert "secret" not in result.stderr


def test_a_database_the_user_may_not_write_is_refused_before_the_crawl(
        web: Any, postgres_url: str, tmp_path: Path) -> None:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute("CREATE ROLE reader LOGIN")
    reader_url = postgres_url.replace("copydesk@", "reader@")
    _, server, _ = web
    result = run_crawl(server.proxy_url, tmp_path, "-a", "start_urls=" + START_URLS[0],
                       "-s", f"STORE_URL={reader_url}", timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot use postgresql://reader@")
    assert "permission denied" in lines[0]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_stream_reads_ahead_yet_stops_with_its_reader_and_passes_errors_on(
        engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    store = request.getfixturevalue("postgres_url") if engine == "postgresql" \
        else str(tmp_path / "s.db")
    db = open_store(store)
    db.executemany("INSERT INTO crawl_marks (key, value) VALUES (?, ?)",
                   [(f"k{n:05}", "v") for n in range(5000)])
    rows = db.stream("SELECT key FROM crawl_marks ORDER BY key")
    assert [next(rows)[0] for _ in range(3)] == ["k00000", "k00001", "k00002"]
    rows.close()  # the reader stops mid-stream: the connection is free again
    assert db.execute("SELECT COUNT(*) FROM crawl_marks").fetchone()[0] == 5000
    assert [key for (key,) in db.stream("SELECT key FROM crawl_marks ORDER BY key")] == \
        [f"k{n:05}" for n in range(5000)]
    with pytest.raises(DatabaseError):
        list(db.stream("SELECT nothing FROM no_such_table"))
    assert db.execute("SELECT 1").fetchone()[0] == 1
    db.close()


def test_opening_the_store_does_not_wait_for_the_writers_transaction(postgres_url: str) -> None:
    """Workers open the store while the desk writes: opening must take no lock a write holds
    (it deadlocked with the desk when it ran CREATE INDEX on existing tables)."""
    import threading

    from pipelines.storage import StoreIndexBackend

    writer = open_store(postgres_url)
    desk = StoreIndexBackend(open_store(postgres_url))
    desk.check({"scheme": "x"})  # as the desk starts
    desk.db.close()
    opened: list[bool] = []

    def open_as_a_worker() -> None:
        reader = open_store(postgres_url)
        StoreIndexBackend(reader).check({"scheme": "x"})
        reader.close()
        opened.append(True)

    with writer.transaction():  # the desk, mid-write
        writer.execute("INSERT INTO articles (url, text, fetched_at) VALUES ('http://a.test/1',"
                       " 't', '2026-03-02')")
        writer.execute("INSERT INTO story_index (url, story_id, hashes) VALUES"
                       " ('http://a.test/1', 'st-1', ?)", (b"",))
        worker = threading.Thread(target=open_as_a_worker, daemon=True)
        worker.start()
        worker.join(timeout=10)
        assert opened == [True], "opening the store waited for the writer's transaction"
    writer.close()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_writes_in_a_transaction_inside_another_commit_or_fail_with_the_outer_one(
        engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """The desk files a batch of articles, each written in its own transaction, inside one
    transaction: a failure after some of them leaves none stored."""
    store = request.getfixturevalue("postgres_url") if engine == "postgresql" \
        else str(tmp_path / "s.db")
    db = open_store(store)

    def mark(key: str) -> None:
        with db.transaction():
            db.execute("INSERT INTO crawl_marks (key, value) VALUES (?, 'v')", (key,))

    with pytest.raises(DatabaseError), db.transaction():
        mark("first")
        mark("second")
        db.execute("INSERT INTO no_such_table VALUES (1)")
    assert db.execute("SELECT COUNT(*) FROM crawl_marks").fetchone()[0] == 0
    with db.transaction():
        mark("first")
        mark("second")
    db.close()
    reader = open_store(store)
    assert reader.execute("SELECT key FROM crawl_marks ORDER BY key").fetchall() \
        == [("first",), ("second",)]
    reader.close()

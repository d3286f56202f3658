"""Crawl workers sharing a Redis frontier, one story desk: the stories of one crawl, each
page fetched once, nothing lost when a worker or the desk is killed. Real redis-server."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.items import ARTICLE_FIELDS
from crawler.sampleweb.build import START_URLS
from crawler.sampleweb.server import SampleWebServer
from pipelines.handoff import STREAM_KEY, ArticleStream
from pipelines.options import dedup_options
from pipelines.storage import ArticleStore, open_store
from pipelines.story_desk import StoryDesk, load_index, open_index
from tests.conftest import ROOT, crawl_env, read_store
from tests.test_incremental import served_web


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[Path, SampleWebServer, Path]]:
    yield from served_web(tmp_path, validators=True)


_RUNNING: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _no_process_left() -> Iterator[None]:
    """A test that fails while workers or a desk run does not leave them running."""
    yield
    while _RUNNING:
        process = _RUNNING.pop()
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def scrapy(*args: str) -> list[str]:
    return [sys.executable, "-m", "scrapy.cmdline", *args]


def worker(server: SampleWebServer, workdir: Path, url: str, name: str,
           *settings: str) -> subprocess.Popen[str]:
    command = scrapy("crawl", "news", "-a", "start_urls=" + ",".join(START_URLS),
                     "-s", f"REDIS_URL={url}", "-s", f"STORAGE_SQLITE_PATH={workdir / 'store.db'}",
                     "-s", f"CRAWL_STATS_FILE={workdir / f'{name}.json'}")
    for setting in settings:
        command += ["-s", setting]
    return started(command, workdir / f"{name}.log", crawl_env(server.proxy_url))


def desk(workdir: Path, url: str, idle: float = 4, *settings: str) -> subprocess.Popen[str]:
    command = scrapy("desk", "-s", f"REDIS_URL={url}",
                     "-s", f"STORAGE_SQLITE_PATH={workdir / 'store.db'}",
                     "--exit-when-idle", str(idle))
    for setting in settings:
        command += ["-s", setting]
    return started(command, workdir / "desk.log", dict(os.environ))


def started(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """A process logging to a file (a pipe nobody reads yet would stall it)."""
    with open(log, "a") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, text=True,
                                   stdout=output, stderr=subprocess.STDOUT)
    process.log = log  # type: ignore[attr-defined]
    _RUNNING.append(process)
    return process


def finished(process: subprocess.Popen[str], timeout: float = 180) -> str:
    process.wait(timeout=timeout)
    output: str = process.log.read_text()  # type: ignore[attr-defined]
    assert process.returncode == 0, output[-3000:]
    return output


def stories(store: dict[str, Any]) -> set[tuple[frozenset[str], str]]:
    """Each story as (its pages, its canonical URL): comparable across stores."""
    pages: dict[str, set[str]] = {}
    for url, article in store["articles"].items():
        pages.setdefault(article["story_id"], set()).add(url)
    return {(frozenset(urls), store["stories"][story]["canonical_url"])
            for story, urls in pages.items()}


def get_counts(log_path: Path) -> Counter[str]:
    """How many times each URL was asked for with GET, robots.txt aside (each worker reads
    a site's rules itself)."""
    lines = map(json.loads, log_path.read_text().splitlines())
    return Counter(e["url"] for e in lines
                   if e["method"] == "GET" and not e["url"].endswith("/robots.txt"))


def test_two_workers_and_a_desk_make_the_stories_of_one_crawl_fetching_each_page_once(
        first_crawl: dict[str, Any], web: Any, redis_url: str, tmp_path: Path) -> None:
    _, server, log_path = web
    the_desk = desk(tmp_path, redis_url)
    # A worker takes from the frontier what its downloader has room for: with little room
    # and a small web, both workers find work.
    slow = ("CONCURRENT_REQUESTS=2", "DOWNLOAD_DELAY=0.1", "AUTOTHROTTLE_ENABLED=False")
    workers = [worker(server, tmp_path, redis_url, f"w{n}", *slow) for n in (1, 2)]
    for process in workers:
        assert "articles handed to the story desk" in finished(process)
    assert "articles filed" in finished(the_desk)

    store = read_store(tmp_path / "store.db")
    assert set(store["articles"]) == set(first_crawl["articles"])
    assert stories(store) == stories(first_crawl)
    counts = get_counts(log_path)
    assert counts and max(counts.values()) == 1, counts.most_common(3)
    handed = [json.loads((tmp_path / f"w{n}.json").read_text()) for n in (1, 2)]
    assert all(stats.get("response_received_count", 0) > 0 for stats in handed)
    assert sum(stats["handoff/articles"] for stats in handed) == len(store["articles"])
    # The run was complete: the frontier is cleared for the next one.
    assert not redis.Redis.from_url(redis_url).keys("copydesk:news:*")


def test_workers_and_a_desk_share_a_postgresql_store_and_rerun_incrementally(
        first_crawl: dict[str, Any], web: Any, redis_url: str, postgres_url: str,
        tmp_path: Path) -> None:
    """As on several machines: no store file anywhere, the workers read the shared store
    for what earlier runs stored, the desk writes it."""
    _, server, log_path = web
    store_url = f"STORE_URL={postgres_url}"
    the_desk = desk(tmp_path, redis_url, 4, store_url)
    workers = [worker(server, tmp_path, redis_url, f"w{n}", store_url, "CONCURRENT_REQUESTS=2")
               for n in (1, 2)]
    for process in workers:
        finished(process)
    finished(the_desk)
    store = read_store(postgres_url)
    assert stories(store) == stories(first_crawl)
    assert max(get_counts(log_path).values()) == 1
    assert not (tmp_path / "store.db").exists()

    the_desk = desk(tmp_path, redis_url, 4, store_url)
    finished(worker(server, tmp_path, redis_url, "rerun", store_url))
    assert "desk: 0 articles filed" in finished(the_desk)
    rerun = json.loads((tmp_path / "rerun.json").read_text())
    assert rerun["incremental/not_modified"] > 0
    assert max(get_counts(log_path)[url] for url in store["articles"]) == 1
    assert read_store(postgres_url) == store


def test_a_killed_desk_loses_no_article(first_crawl: dict[str, Any], web: Any, redis_url: str,
                                        tmp_path: Path) -> None:
    _, server, _ = web
    finished(worker(server, tmp_path, redis_url, "w1"))  # no desk yet: the articles wait
    client = redis.Redis.from_url(redis_url)
    stream = ArticleStream(client)
    assert stream.length() == len(first_crawl["articles"])

    # What a desk killed mid-work leaves: articles it was given and never acknowledged,
    # one of them already committed to the store.
    stream.open_group()
    given = stream.receive(count=5, block_ms=100)
    assert len(given) == 5
    path = str(tmp_path / "store.db")
    opened = open_index(path, dedup_options(_settings()), 60)
    load_index(opened)
    StoryDesk(opened.index, ArticleStore(open_store(path), ARTICLE_FIELDS)).file(given[0].record)
    opened.backend.db.close()

    report = finished(desk(tmp_path, redis_url, idle=2))
    assert f"desk: {len(first_crawl['articles'])} articles filed" in report
    store = read_store(tmp_path / "store.db")
    assert set(store["articles"]) == set(first_crawl["articles"])
    assert stories(store) == stories(first_crawl)
    assert client.xlen(STREAM_KEY) == 0
    assert client.xpending(STREAM_KEY, "desk")["pending"] == 0


def test_a_worker_killed_mid_crawl_loses_no_request(first_crawl: dict[str, Any], web: Any,
                                                    redis_url: str, tmp_path: Path) -> None:
    _, server, log_path = web
    lease = "FRONTIER_LEASE_SECONDS=2"
    doomed = worker(server, tmp_path, redis_url, "doomed", lease, "DOWNLOAD_DELAY=0.3",
                    "AUTOTHROTTLE_ENABLED=False")
    deadline = time.monotonic() + 60
    while sum(get_counts(log_path).values()) < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    client = redis.Redis.from_url(redis_url)
    left = client.zcard("copydesk:news:requests") + client.zcard("copydesk:news:requests:deadlines")
    assert left > 0, "the worker was killed after its crawl had ended: nothing was tested"

    report = finished(worker(server, tmp_path, redis_url, "rescuer", lease))
    assert "queued again" in report
    rescued = json.loads((tmp_path / "rescuer.json").read_text())
    assert rescued["frontier/requeued_after_lease"] >= 1
    # The desk files what both workers handed over (a desk that waited for the rescuer
    # with a fixed idle time could give up first on a slow machine: not what is tested).
    finished(desk(tmp_path, redis_url, idle=4))
    assert client.xlen(STREAM_KEY) == 0
    store = read_store(tmp_path / "store.db")
    assert set(store["articles"]) == set(first_crawl["articles"])
    assert stories(store) == stories(first_crawl)


def test_a_link_is_recorded_as_seen_only_together_with_its_queued_request(redis_url: str) -> None:
    """A worker killed between recording a link's fingerprint and queueing its request
    would lose the link: its page, fetched again by another worker, yields it again and the
    fingerprint filters it out. Both happen in one step, with the parent's lease ended."""
    from scrapy import Request, Spider

    from crawler.redis_frontier import LeasedPriorityQueue

    client = redis.Redis.from_url(redis_url)
    queue = LeasedPriorityQueue(client, Spider("news"), "t:requests")
    queue.push_new(queue.encode(Request("http://a.test/listing")), 0, "t:seen", None)
    parent = queue.pop()
    assert parent is not None and queue.leases() == 1
    lease = parent.meta["frontier_lease"]
    link = queue.encode(Request("http://a.test/story"))
    assert queue.push_new(link, 0, "t:seen", "fp-story", release=lease)
    assert len(queue) == 1 and client.sismember("t:seen", "fp-story")
    assert queue.leases() == 0
    assert not queue.push_new(link, 0, "t:seen", "fp-story")  # seen: not queued again
    assert len(queue) == 1
    again = queue.pop()
    assert again is not None and again.url == "http://a.test/story"


def test_a_rerun_fetching_originals_in_place_of_stored_copies_ends(
        first_crawl: dict[str, Any], web: Any, redis_url: str, tmp_path: Path) -> None:
    """A run stopped between storing copies and their originals leaves copies whose source
    is not stored; the next run fetches the original in the stored copy's place (the
    incremental middleware swaps the request): its lease must go on with the swap."""
    _, server, _ = web
    the_desk = desk(tmp_path, redis_url)
    finished(worker(server, tmp_path, redis_url, "first"))
    finished(the_desk)
    db = sqlite3.connect(tmp_path / "store.db")
    originals = {url for (url,) in db.execute(
        "SELECT url FROM articles WHERE url IN (SELECT source_url FROM articles)")}
    db.executemany("DELETE FROM articles WHERE url = ?", [(url,) for url in originals])
    # As after a run stopped early: the next one reads every listing again.
    db.execute("DELETE FROM http_validators")
    db.execute("UPDATE crawl_marks SET value = '0' WHERE key = 'last_walk_finished'")
    db.commit()
    db.close()
    assert originals

    the_desk = desk(tmp_path, redis_url)
    # A request whose lease were lost would keep the worker waiting for it.
    finished(worker(server, tmp_path, redis_url, "rerun"), timeout=120)
    finished(the_desk)
    rerun = json.loads((tmp_path / "rerun.json").read_text())
    assert rerun["incremental/unfetched_source_followed"] >= len(originals)
    assert set(read_store(tmp_path / "store.db")["articles"]) == set(first_crawl["articles"])


def test_a_worker_waits_while_the_desk_is_behind_and_loses_nothing(
        first_crawl: dict[str, Any], web: Any, redis_url: str, tmp_path: Path) -> None:
    _, server, _ = web
    crawling = worker(server, tmp_path, redis_url, "w1", "HANDOFF_MAX_BACKLOG=3")
    stream = ArticleStream(redis.Redis.from_url(redis_url))
    deadline = time.monotonic() + 60
    while stream.length() < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)
    assert stream.length() == 3, "the worker went on handing articles over past the bound"
    assert crawling.poll() is None
    the_desk = desk(tmp_path, redis_url)
    finished(crawling)
    finished(the_desk)
    stats = json.loads((tmp_path / "w1.json").read_text())
    assert stats["handoff/waits"] > 0
    assert set(read_store(tmp_path / "store.db")["articles"]) == set(first_crawl["articles"])


def test_a_second_desk_or_a_plain_crawl_on_the_desks_store_is_refused(
        web: Any, redis_url: str, tmp_path: Path) -> None:
    _, server, _ = web
    first = desk(tmp_path, redis_url, idle=20)
    try:
        store = tmp_path / "store.db"
        deadline = time.monotonic() + 30
        while not Path(f"{store}.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run(
            scrapy("desk", "-s", f"REDIS_URL={redis_url}", "-s", f"STORAGE_SQLITE_PATH={store}"),
            cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert "in use by another crawl" in second.stderr.strip().splitlines()[-1]
        plain = subprocess.run(
            scrapy("crawl", "news", "-a", "start_urls=" + START_URLS[0],
                   "-s", f"STORAGE_SQLITE_PATH={store}"),
            cwd=ROOT, env=crawl_env(server.proxy_url), capture_output=True, text=True, timeout=60)
        assert plain.returncode == 2 and "in use by another crawl" in plain.stderr
    finally:
        first.send_signal(signal.SIGTERM)
        assert "articles filed" in finished(first, timeout=30)


@pytest.mark.parametrize("command", [
    ["crawl", "news", "-a", "start_urls=http://example.test/", "-s",
     "REDIS_URL=redis://127.0.0.1:1/0"],
    ["desk", "-s", "REDIS_URL=redis://127.0.0.1:1/0"],
    ["desk"],
])
def test_redis_missing_or_unset_is_one_line_not_a_traceback(command: list[str],
                                                            tmp_path: Path) -> None:
    result = subprocess.run(scrapy(*command, "-s", f"STORAGE_SQLITE_PATH={tmp_path / 's.db'}"),
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "REDIS_URL" in last or "Redis" in last


def _settings() -> Any:
    from scrapy.utils.project import get_project_settings

    return get_project_settings()

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.sampleweb.build import START_URLS, build_web
from crawler.sampleweb.server import SampleWebServer
from pipelines.storage import open_store
from tests.servers import Server, ServerUnavailable, new_database, start_postgres, start_redis

ROOT = Path(__file__).resolve().parent.parent
STORIES = json.loads((ROOT / "crawler/sampleweb/stories.json").read_text())


def story_text(story_id: str) -> str:
    """The paragraphs of one of the sample web's stories, joined by newlines."""
    story = next(s for s in STORIES["stories"] if s["id"] == story_id)
    return "\n".join(story["paragraphs"])


@pytest.fixture(scope="session")
def sample_web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sampleweb")
    build_web().write(root)
    return root


@pytest.fixture(scope="session")
def proxy(sample_web: Path) -> Iterator[SampleWebServer]:
    with SampleWebServer(sample_web, max_requests=5000) as server:
        yield server


def crawl_env(proxy_url: str | None) -> dict[str, str]:
    """The environment of a crawl subprocess: through `proxy_url`, or direct when None."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    if proxy_url:
        env.update(http_proxy=proxy_url, https_proxy=proxy_url, no_proxy="")
    return env


def run_crawl(proxy_url: str | None, workdir: Path, *args: str, timeout: float = 180,
              **popen: Any) -> subprocess.CompletedProcess[str]:
    """`scrapy crawl news ...` in a subprocess, through the sample web's proxy (or
    another), or direct when `proxy_url` is None."""
    command = [sys.executable, "-m", "scrapy.cmdline", "crawl", "news", *args,
               "-s", f"STORAGE_SQLITE_PATH={workdir / 'store.db'}",
               "-s", f"CRAWL_STATS_FILE={workdir / 'stats.json'}"]
    return subprocess.run(command, cwd=ROOT, env=crawl_env(proxy_url), capture_output=True,
                          text=True, timeout=timeout, **popen)


def read_store(store: Path | str) -> dict[str, Any]:
    """The articles and stories of a store (a file, or a STORE_URL), as dicts by key."""
    db = open_store(store)

    def rows(table: str) -> list[dict[str, Any]]:
        cursor = db.execute(f"SELECT * FROM {table}")
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    articles = {r["url"]: r for r in rows("articles")}
    stories = {r["story_id"]: r for r in rows("stories")}
    db.close()
    return {"articles": articles, "stories": stories}


@pytest.fixture(scope="session")
def first_crawl(proxy: SampleWebServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One crawl of the sample web, shared by the end-to-end tests that only read it."""
    workdir = tmp_path_factory.mktemp("crawl")
    result = run_crawl(proxy.proxy_url, workdir, "-a", "start_urls=" + ",".join(START_URLS),
                       "-O", str(workdir / "out.jsonl"))
    assert result.returncode == 0, result.stderr[-3000:]
    return {"workdir": workdir, "result": result, **read_store(workdir / "store.db"),
            "stats": json.loads((workdir / "stats.json").read_text()),
            "feed": [json.loads(line) for line in (workdir / "out.jsonl").read_text().splitlines()]}


def serve(start: Callable[[], Server]) -> Iterator[str]:
    """A started server's URL until the session ends; the tests that need it are skipped,
    with the reason, when it is not installed or does not start."""
    try:
        server = start()
    except ServerUnavailable as exc:
        pytest.skip(f"{exc}; .ci/run installs it")
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free loopback port, for the session; its URL's prefix."""
    yield from serve(lambda: start_redis(tmp_path_factory.mktemp("redis")))


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The session's Redis, emptied for this test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    return f"{redis_server}/0"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server on a free loopback port, for the session; its URL without
    a database."""
    yield from serve(start_postgres)


_database_numbers = itertools.count()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database on the session's PostgreSQL server, for this test."""
    return new_database(postgres_server, f"store_{os.getpid()}_{next(_database_numbers)}")

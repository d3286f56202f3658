from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawler.sampleweb.build import START_URLS, build_web
from crawler.sampleweb.server import SampleWebServer

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


def read_store(db: Path) -> dict[str, Any]:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    articles = {r["url"]: dict(r) for r in connection.execute("SELECT * FROM articles")}
    stories = {r["story_id"]: dict(r) for r in connection.execute("SELECT * FROM stories")}
    connection.close()
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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real redis-server on a free loopback port, for the session; its URL's prefix."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).is_file():
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir), "--protected-mode", "yes"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.skip(f"redis-server did not start on port {port}")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The session's Redis, emptied for this test."""
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    return f"{redis_server}/0"

"""`scrapy schedule`: run each source when due; --once for cron; a clean stop on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.sampleweb.build import build_web
from crawler.sampleweb.server import SampleWebServer
from tests.conftest import ROOT, read_store

SOURCES = Path(__file__).parent / "fixtures" / "sources.toml"


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SampleWebServer]:
    root = tmp_path_factory.mktemp("web")
    build_web().write(root)
    with SampleWebServer(root) as server:
        yield server


def schedule(proxy: SampleWebServer, store: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    """The `scrapy schedule` command line and its environment (through the sample web's proxy)."""
    env = {**os.environ, "http_proxy": proxy.proxy_url, "no_proxy": ""}
    return [sys.executable, "-m", "scrapy.cmdline", "schedule", *args,
            "-s", f"STORAGE_SQLITE_PATH={store}", "-s", "LOG_LEVEL=WARNING"], env


def test_once_runs_what_is_due_then_nothing_until_the_interval_passes(proxy: SampleWebServer,
                                                                      tmp_path: Path) -> None:
    command, env = schedule(proxy, tmp_path / "store.db", "-a", f"sources={SOURCES}", "--once")
    first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert first.returncode == 0, first.stderr[-2000:]
    lines = [line for line in first.stdout.splitlines() if line.startswith("source ")]
    assert [line.split(":")[0] for line in lines] == [
        "source newsdigest", "source autoblog", "source herald-feed"]
    assert all("(finished)" in line for line in lines)
    assert "new articles 0," not in lines[0]
    assert read_store(tmp_path / "store.db")["articles"]

    again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0
    assert not [line for line in again.stdout.splitlines() if line.startswith("source ")]
    # Says when the next source is due (every source runs every 30 minutes).
    assert re.fullmatch(r"nothing is due; next: source (newsdigest|autoblog|herald-feed) is due in 30 min \(at \d\d:\d\d UTC\)",
                        again.stdout.strip()), again.stdout


def test_bad_sources_file_is_a_one_line_error(proxy: SampleWebServer, tmp_path: Path) -> None:
    bad = tmp_path / "sources.toml"
    bad.write_text('[[source]]\nname = "x"\nfeeds = ["http://a.test/rss"]\ninterval_minutes = -1\n')
    command, env = schedule(proxy, tmp_path / "store.db", "-a", f"sources={bad}", "--once")
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {bad}:4: source 'x': interval_minutes must be a whole number >= 1, got -1"]


def test_sigterm_stops_the_scheduler_cleanly(proxy: SampleWebServer, tmp_path: Path) -> None:
    command, env = schedule(proxy, tmp_path / "store.db", "-a", f"sources={SOURCES}")
    with subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as process:
        try:
            assert process.stdout is not None
            summaries = 0
            while summaries < 3:  # the first round: one line per source
                line = process.stdout.readline()
                assert line, "scheduler ended before its first round"
                summaries += line.startswith("source ")
            time.sleep(0.5)  # now waiting for the next interval
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
        finally:
            if process.poll() is None:
                process.kill()
    db = tmp_path / "store.db"
    assert read_store(db)["articles"]

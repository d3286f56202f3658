"""The `copydesk` command, from any directory; argument and setting checks; exports."""

from __future__ import annotations

import csv
import json
import logging
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.commands.crawl import known_setting_names
from crawler.items import ARTICLE_FIELDS
from pipelines.options import SettingsError, check_setting_names
from tests.conftest import ROOT, crawl_env

COPYDESK = [sys.executable, "-c", "from crawler.cli import main; main()"]


def copydesk(*args: str, cwd: Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    # `python -c` from another directory imports the installed project, as the console
    # script does (pip install -e . puts it on the path).
    return subprocess.run([*COPYDESK, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, **kwargs)


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("copydesk")
    assert script.exists()
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "copydesk COMMAND" in result.stdout


def test_copydesk_export_works_from_another_directory(first_crawl: dict[str, Any], tmp_path: Path) -> None:
    store = first_crawl["workdir"] / "store.db"
    result = copydesk("export", "-o", "articles.csv", "-s", f"STORAGE_SQLITE_PATH={store}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    with (tmp_path / "articles.csv").open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0]) == ARTICLE_FIELDS
    assert {r["url"] for r in rows} == set(first_crawl["articles"])
    assert all(isinstance(json.loads(r["embeds"]), list) for r in rows)


def test_copydesk_crawl_help_lists_spider_arguments_and_settings(tmp_path: Path) -> None:
    result = copydesk("crawl", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for word in ("start_urls", "start_file", "sources", "only", "STORAGE_SQLITE_PATH = 'copydesk.db'",
                 "EGRESS_ALLOW"):
        assert word in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["crawl", "-a", "start_url=http://news.example/"],
     "error: unknown spider argument 'start_url' (did you mean 'start_urls'?)"),
    (["crawl", "-a", "start_urls=http://news.example/", "-s", "DEDUP_MIN_OVERLAPP=0.5"],
     "error: unknown setting DEDUP_MIN_OVERLAPP (did you mean 'DEDUP_MIN_OVERLAP'?)"),
    (["crawl", "-a", "start_urls=http://news.example/", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=-3"],
     "error: bad setting CONCURRENT_REQUESTS_PER_DOMAIN: must be 1 or more, got '-3'"),
    (["craw"], "error: unknown command 'craw' (did you mean 'crawl'?)"),
    (["stories", "-s", "STORAGE_SQLITE_PAT=x.db"],
     "error: unknown setting STORAGE_SQLITE_PAT (did you mean 'STORAGE_SQLITE_PATH'?)"),
])
def test_mistakes_are_one_line_errors_with_a_suggestion(args: list[str], message: str,
                                                        tmp_path: Path) -> None:
    result = copydesk(*args, cwd=tmp_path)
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(message), line


def test_export_to_a_closed_pipe_is_quiet(first_crawl: dict[str, Any], tmp_path: Path) -> None:
    store = first_crawl["workdir"] / "store.db"
    export = subprocess.Popen([*COPYDESK, "export", "-o", "-", "-s", f"STORAGE_SQLITE_PATH={store}"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert export.stdout is not None and export.stderr is not None
    export.stdout.readline()  # like `| head -1`
    export.stdout.close()
    assert export.wait(timeout=60) == 0
    with export.stderr:
        assert b"Traceback" not in export.stderr.read()


def test_summary_is_printed_even_with_a_quiet_log(proxy: Any, tmp_path: Path) -> None:
    from crawler.sampleweb.build import START_URLS

    result = copydesk("crawl", "-a", f"start_urls={START_URLS[0]}", "-L", "WARNING",
                      "-s", f"STORAGE_SQLITE_PATH={tmp_path / 'store.db'}", cwd=tmp_path,
                      env=crawl_env(proxy.proxy_url))
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("summary: "))
    assert " pages fetched in " in lines[start] and " articles stored (new " in lines[start]
    assert [line.split(":")[0].strip() for line in lines[start + 1: start + 7]] == [
        "stories", "dropped", "skipped", "errors", "per source (new or updated articles)",
        "finish reason"]


def test_a_progress_line_is_shown_on_a_terminal(proxy: Any, tmp_path: Path) -> None:
    from crawler.sampleweb.build import START_URLS

    main, child = pty.openpty()  # the crawl's stderr is a terminal
    crawl = subprocess.Popen(
        [*COPYDESK, "crawl", "-a", "start_urls=" + ",".join(START_URLS), "-L", "WARNING",
         "-s", "CRAWL_PROGRESS_INTERVAL=0.2", "-s", "DOWNLOAD_DELAY=0.2",
         "-s", f"STORAGE_SQLITE_PATH={tmp_path / 'store.db'}"],
        cwd=tmp_path, env=crawl_env(proxy.proxy_url), stdout=subprocess.DEVNULL, stderr=child)
    os.close(child)
    output = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert crawl.wait(timeout=120) == 0
    text = output.decode("utf-8", "replace")
    assert "\r\x1b[K" in text and " pages, " in text and " pages/s, " in text and " queued" in text


def test_export_to_parquet(first_crawl: dict[str, Any], tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    store = first_crawl["workdir"] / "store.db"
    result = copydesk("export", "-o", "articles.parquet", "-s", f"STORAGE_SQLITE_PATH={store}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    rows = pq.read_table(tmp_path / "articles.parquet").to_pylist()
    assert list(rows[0]) == ARTICLE_FIELDS
    assert {r["url"]: r["story_id"] for r in rows} == {
        url: a["story_id"] for url, a in first_crawl["articles"].items()}


def test_per_source_figures_add_up_to_the_totals(proxy: Any, tmp_path: Path) -> None:
    sources = ROOT / "tests" / "fixtures" / "sources.toml"
    result = copydesk("crawl", "-a", f"sources={sources}", "-L", "WARNING",
                      "-s", f"STORAGE_SQLITE_PATH={tmp_path / 'store.db'}", cwd=tmp_path,
                      env=crawl_env(proxy.proxy_url))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "WARNING" not in result.stderr  # a quiet log stays quiet
    summary = next(line for line in result.stderr.splitlines() if line.startswith("summary: "))
    stored = int(re.search(r"; (\d+) articles stored", summary).group(1))
    line = next(line for line in result.stderr.splitlines() if "per source" in line)
    counts = [int(n) for n in re.findall(r" (\d+) \(\d+ new stories\)", line)]
    unattributed = int(re.search(r"not attributed (\d+)", line).group(1))
    assert len(counts) == 3 and sum(counts) + unattributed == stored
    assert unattributed <= 1  # originals reached through a source's copies count for it


def test_a_rerun_with_an_empty_feed_says_to_use_export(proxy: Any, tmp_path: Path) -> None:
    from crawler.sampleweb.build import START_URLS

    args = ["crawl", "-a", f"start_urls={START_URLS[0]}", "-L", "WARNING", "-O", "feed.jsonl",
            "-s", f"STORAGE_SQLITE_PATH={tmp_path / 'store.db'}"]
    first = copydesk(*args, cwd=tmp_path, env=crawl_env(proxy.proxy_url))
    assert first.returncode == 0 and "note: the feed is empty" not in first.stderr
    again = copydesk(*args, cwd=tmp_path, env=crawl_env(proxy.proxy_url))
    assert again.returncode == 0, again.stderr[-2000:]
    assert (tmp_path / "feed.jsonl").read_text() == ""
    assert "note: the feed is empty: every article found was stored by an earlier run; " \
           "`copydesk export -o FILE` writes the store's articles" in again.stderr


def test_site_is_a_name_or_null_never_a_host(first_crawl: dict[str, Any]) -> None:
    sites = {a["site"] for a in first_crawl["articles"].values()}
    assert not [s for s in sites if s and re.fullmatch(r"[\w.-]+\.[a-z]+", s)], sites


def test_a_retired_setting_is_accepted_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    # A scheduled job written for an older release keeps running; the log says why the
    # setting does nothing now.
    with caplog.at_level(logging.WARNING):
        check_setting_names(["DEDUP_MERGE_COVERAGE"], known_setting_names())
    assert "DEDUP_MERGE_COVERAGE has no effect" in caplog.text
    with pytest.raises(SettingsError):
        check_setting_names(["DEDUP_MERGE_COVERAGEE"], known_setting_names())

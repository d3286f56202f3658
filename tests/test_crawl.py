"""End-to-end: real `scrapy crawl news` runs against the sample web on 127.0.0.1."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from crawler.items import ARTICLE_FIELDS
from crawler.sampleweb.build import START_URLS
from tests.conftest import ROOT, read_store, run_crawl

BRIDGE = "http://riverton-herald.test/news/2026/03/harbor-bridge-closes-for-repairs.html"
BRIDGE_COPIES = [
    "http://newsdigest-hub.test/local/harbor-bridge-to-close-for-six-weeks/",  # full
    "http://autoblog-news.test/harbor-bridge-to-close-4411/",  # partial
]
QUAKE = "http://continental-wire.test/world/2026/03/05/strong-quake-shakes-coastal-province/"
QUAKE_CANONICAL_COPY = "http://newsdigest-hub.test/world/strong-quake-shakes-coastal-province/"
QUAKE_CHAIN_COPY = "http://autoblog-news.test/quake-shakes-coastal-province-4502/"
BUDGET_HERALD = "http://riverton-herald.test/news/2026/03/council-approves-budget-after-marathon-session.html"
BUDGET_TRIBUNE = "http://lakeside-tribune.test/politics/riverton-budget-vote-splits-council"
BUDGET_MIXED = "http://autoblog-news.test/riverton-budget-vote-splits-council-4519/"
MUSEUM = "http://lakeside-tribune.test/culture/museum-reopens-after-renovation"
MUSEUM_OLD = "http://autoblog-news.test/city-museum-reopens-4530/"


def test_copies_merge_into_one_story_with_the_original_as_canonical(first_crawl: dict[str, Any]) -> None:
    articles = first_crawl["articles"]
    story = articles[BRIDGE]["story_id"]
    assert {articles[url]["story_id"] for url in BRIDGE_COPIES} == {story}
    assert {a["canonical_url"] for a in articles.values() if a["story_id"] == story} == {BRIDGE}
    assert first_crawl["stories"][story]["copies"] == 3


def test_chain_of_copies_resolves_to_the_wire_original(first_crawl: dict[str, Any]) -> None:
    articles = first_crawl["articles"]
    chain = articles[QUAKE_CHAIN_COPY]
    assert chain["source_url"] == QUAKE_CANONICAL_COPY  # the link the page gives
    assert chain["canonical_url"] == QUAKE  # the original behind it
    assert articles[QUAKE_CANONICAL_COPY]["source_evidence"] == "rel=canonical"
    assert chain["story_id"] == articles[QUAKE]["story_id"]


def test_same_event_stories_stay_apart_and_the_mixed_rewrite_joins_its_majority(
    first_crawl: dict[str, Any],
) -> None:
    articles = first_crawl["articles"]
    assert articles[BUDGET_HERALD]["story_id"] != articles[BUDGET_TRIBUNE]["story_id"]
    assert articles[BUDGET_MIXED]["story_id"] == articles[BUDGET_TRIBUNE]["story_id"]


def test_old_version_copy_joins_the_updated_story(first_crawl: dict[str, Any]) -> None:
    articles = first_crawl["articles"]
    assert articles[MUSEUM_OLD]["story_id"] == articles[MUSEUM]["story_id"]
    assert articles[MUSEUM_OLD]["canonical_url"] == MUSEUM


def test_only_article_pages_are_emitted(first_crawl: dict[str, Any]) -> None:
    emitted = {row["url"] for row in first_crawl["feed"]}
    assert emitted == set(first_crawl["articles"])
    for url in emitted:
        assert "/page/" not in url and not url.endswith(("/about/", "/contact/"))
        assert url not in START_URLS
        assert url.rstrip("/").count("/") > 2  # no home or section page


def test_aggregator_boilerplate_is_not_in_the_stored_text(first_crawl: dict[str, Any]) -> None:
    text = first_crawl["articles"][BRIDGE_COPIES[0]]["text"]
    assert "corroded cables" in text
    for boilerplate in ("[contf]", "READ MORE", "Original Article", "Related Articles", "Share this"):
        assert boilerplate not in text


def test_feed_records_carry_the_documented_schema(first_crawl: dict[str, Any]) -> None:
    for row in first_crawl["feed"]:
        assert list(row) == ARTICLE_FIELDS
        assert 0.0 <= row["similarity"] <= 1.0
        assert row["story_id"] and row["canonical_url"] and row["fetched_at"]


def test_the_last_feed_record_of_each_page_is_what_the_store_holds(
        first_crawl: dict[str, Any]) -> None:
    # A consumer that keeps each URL's last record ends with the store's stories, even for
    # pages that a later page moved to another story or gave another original.
    last = {row["url"]: row for row in first_crawl["feed"]}
    current = ("story_id", "canonical_url", "similarity")
    assert {u: tuple(r[f] for f in current) for u, r in last.items()} == {
        u: tuple(a[f] for f in current) for u, a in first_crawl["articles"].items()}
    # The sample web has such pages: the feed holds them twice, first as they were written.
    assert len(first_crawl["feed"]) > len(last)


def test_json_and_csv_feeds_end_current_too(proxy: Any, tmp_path: Path) -> None:
    result = run_crawl(proxy.proxy_url, tmp_path, "-a", "start_urls=" + ",".join(START_URLS),
                       "-o", str(tmp_path / "out.json"), "-o", str(tmp_path / "out.csv"))
    assert result.returncode == 0, result.stderr[-3000:]
    stored = {u: (a["story_id"], a["canonical_url"])
              for u, a in read_store(tmp_path / "store.db")["articles"].items()}
    as_json = json.loads((tmp_path / "out.json").read_text())
    with (tmp_path / "out.csv").open(newline="") as handle:
        as_csv = list(csv.DictReader(handle))
    for records in (as_json, as_csv):
        assert {r["url"]: (r["story_id"], r["canonical_url"]) for r in records} == stored
        assert len(records) > len(stored)


def test_stats_count_fetches_drops_and_stories(first_crawl: dict[str, Any]) -> None:
    stats = first_crawl["stats"]
    assert stats["item_scraped_count"] == len(first_crawl["articles"])
    assert stats["dedup/new_story"] == len(first_crawl["stories"])
    assert stats["dedup/joined_story"] == len(first_crawl["articles"]) - len(first_crawl["stories"])
    assert stats["crawl/error/http_404"] == 1  # the sample web's broken link
    assert stats["crawl/error/redirect_loop"] == 1  # and its redirect loop
    assert "summary: fetched" in first_crawl["result"].stderr


def test_a_second_run_stores_nothing_twice(first_crawl: dict[str, Any], proxy: Any, tmp_path: Path) -> None:
    workdir = first_crawl["workdir"]
    (tmp_path / "store.db").write_bytes((workdir / "store.db").read_bytes())
    result = run_crawl(proxy.proxy_url, tmp_path, "-a", "start_urls=" + ",".join(START_URLS))
    assert result.returncode == 0, result.stderr[-3000:]
    again = read_store(tmp_path / "store.db")
    assert set(again["articles"]) == set(first_crawl["articles"])
    assert {u: a["story_id"] for u, a in again["articles"].items()} == {
        u: a["story_id"] for u, a in first_crawl["articles"].items()
    }
    assert set(again["stories"]) == set(first_crawl["stories"])


def test_bad_start_url_is_one_line_error(tmp_path: Path) -> None:
    result = run_crawl("http://127.0.0.1:9", tmp_path, "-a", "start_urls=ftp://example.test/")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: start URL 'ftp://example.test/' must begin with http:// or https://"
    ]


def test_unreadable_start_file_is_one_line_error(tmp_path: Path) -> None:
    result = run_crawl("http://127.0.0.1:9", tmp_path, "-a", f"start_file={tmp_path / 'nope.txt'}")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot read start file")
    assert "Traceback" not in result.stderr


def test_start_file_is_read(proxy: Any, tmp_path: Path) -> None:
    start_file = tmp_path / "start.txt"
    start_file.write_text("# the sample aggregator\nhttp://autoblog-news.test/\n")
    result = run_crawl(proxy.proxy_url, tmp_path, "-a", f"start_file={start_file}",
                       "-s", "CRAWL_SOURCE_HOPS=0")
    assert result.returncode == 0, result.stderr[-3000:]
    urls = set(read_store(tmp_path / "store.db")["articles"])
    assert urls and all(url.startswith("http://autoblog-news.test/") for url in urls)
    assert json.loads((tmp_path / "stats.json").read_text()).get("crawl/source_links_followed") is None


LIBRARY = "http://riverton-herald.test/news/2026/03/central-library-to-open-around-the-clock.html"
LIBRARY_COPY = "http://autoblog-news.test/central-library-open-around-the-clock-4541/"


def test_original_that_no_copy_links_is_found_through_its_sitemap(first_crawl: dict[str, Any]) -> None:
    articles = first_crawl["articles"]
    assert articles[LIBRARY_COPY]["source_url"] is None
    assert LIBRARY in articles  # fetched because its slug repeats the copy's headline
    assert articles[LIBRARY_COPY]["story_id"] == articles[LIBRARY]["story_id"]
    assert articles[LIBRARY_COPY]["canonical_url"] == LIBRARY
    assert first_crawl["stats"]["crawl/originals_discovered"] >= 1


def test_source_limits_bound_the_crawl(proxy: Any, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "capped"\nstart_urls = ["http://newsdigest-hub.test/"]\n'
                       'max_pages = 3\n\n[[source]]\nname = "shallow"\n'
                       'start_urls = ["http://autoblog-news.test/"]\nmax_depth = 0\n')
    result = run_crawl(proxy.proxy_url, tmp_path, "-a", f"sources={sources}", "-s", "CRAWL_SOURCE_HOPS=0",
                       "-s", "CRAWL_DISCOVER_ORIGINALS=False")
    assert result.returncode == 0, result.stderr[-3000:]
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert 1 <= stats["source/capped/pages_fetched"] <= 3  # 3 requests; a redirect or 404 may fail
    assert stats["source/capped/page_limit_reached"] > 0
    assert stats["source/shallow/pages_fetched"] == 1  # the start page only
    assert all(u.startswith("http://newsdigest-hub.test/") for u in read_store(tmp_path / "store.db")["articles"])


def test_bad_sources_file_is_one_line_error_before_crawling(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "x"\nstart_urls = ["http://a.test/"]\nmax_depht = 2\n')
    result = run_crawl("http://127.0.0.1:9", tmp_path, "-a", f"sources={sources}")
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"error: {sources}:4: source 'x': unknown key 'max_depht'")
    assert not (tmp_path / "store.db").exists()


def test_bad_setting_is_one_line_error(tmp_path: Path) -> None:
    result = run_crawl("http://127.0.0.1:9", tmp_path, "-a", "start_urls=http://a.test/",
                       "-s", "DEDUP_MIN_OVERLAP=2")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: bad setting DEDUP_MIN_OVERLAP: min_overlap must be in (0, 1], got 2.0"]


def test_export_writes_the_stores_current_state(first_crawl: dict[str, Any], tmp_path: Path) -> None:
    store = first_crawl["workdir"] / "store.db"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy.cmdline", "export", "-o", str(tmp_path / "now.jsonl"),
         "-s", f"STORAGE_SQLITE_PATH={store}"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    records = [json.loads(line) for line in (tmp_path / "now.jsonl").read_text().splitlines()]
    assert [list(r) for r in records] == [ARTICLE_FIELDS] * len(first_crawl["articles"])
    by_url = {r["url"]: r for r in records}
    assert by_url.keys() == first_crawl["articles"].keys()
    for url, row in first_crawl["articles"].items():
        assert (by_url[url]["story_id"], by_url[url]["canonical_url"]) == (row["story_id"], row["canonical_url"])
        assert isinstance(by_url[url]["embeds"], list)


def test_export_without_a_store_is_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy.cmdline", "export", "-o", str(tmp_path / "x.jsonl"),
         "-s", f"STORAGE_SQLITE_PATH={tmp_path / 'none.db'}"], cwd=ROOT, capture_output=True,
        text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: no store at {tmp_path / 'none.db'} (set STORAGE_SQLITE_PATH)"]

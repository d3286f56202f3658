"""The Scrapy glue: each pipeline built from settings, fed items, checked through stats."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

import settings as project_settings
from crawler.items import Article, Page
from pipelines.components import (
    DedupPipeline,
    ExtractionPipeline,
    SourceLinkPipeline,
    StoragePipeline,
)
from pipelines.options import SettingsError
from tests.conftest import read_store, story_text

PAGES = Path(__file__).parent / "fixtures" / "pages"


def crawler_with(**overrides: Any) -> Any:
    values = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    crawler = get_crawler(settings_dict={**values, **overrides})
    crawler.stats.open_spider()
    return crawler


def article(url: str, text: str, **fields: Any) -> Article:
    return Article(url=url, title="T", text=text, author=None, published=fields.pop("published", None),
                   site=None, language="en", page_canonical=None,
                   fetched_at="2026-03-02T10:00:00+00:00", **fields)


def test_extraction_pipeline_turns_pages_into_articles_and_counts_drops() -> None:
    crawler = crawler_with()
    pipeline = build_from_crawler(ExtractionPipeline, crawler)
    page = Page("http://roundup.test/world/dam/", (PAGES / "aggregator.html").read_text(),
                "2026-04-02T07:00:00+00:00")
    result = pipeline.process_item(page)
    assert isinstance(result, Article) and result.title == "Dam spillway opened as river rises"
    assert "<html" not in repr(result) and "<html" not in repr(page)  # logs never hold pages
    with pytest.raises(DropItem, match="too short: http://roundup.test/world/"):
        listing = (PAGES / "listing.html").read_text()
        pipeline.process_item(Page("http://roundup.test/world/", listing, "x"))
    assert crawler.stats.get_value("extraction/articles") == 1
    assert crawler.stats.get_value("extraction/dropped/too short") == 1
    assert pipeline.process_item({"other": "item"}) == {"other": "item"}
    assert crawler.stats.get_value("timing/extraction_cpu_s") > 0


def test_source_pipeline_sets_source_and_credit() -> None:
    crawler = crawler_with()
    pipeline = build_from_crawler(SourceLinkPipeline, crawler)
    html = (PAGES / "aggregator.html").read_text().replace("Engineers opened", "(Globewire) — Engineers opened")
    item = pipeline.process_item(article("http://roundup.test/world/dam/", "text", html=html))
    assert item.source_url == "http://riverpost.test/2026/04/01/kessel-dam-spillway-opened/"
    assert item.source_evidence == "link:original article"
    assert item.credited_to == "Globewire"
    assert item.html == ""
    assert crawler.stats.get_value("sourcelink/found/link") == 1


def test_dedup_and_storage_pipelines_store_one_story(tmp_path: Path) -> None:
    crawler = crawler_with(STORAGE_SQLITE_PATH=str(tmp_path / "store.db"))
    dedup = build_from_crawler(DedupPipeline, crawler)
    storage = build_from_crawler(StoragePipeline, crawler)
    text = story_text("bridge")
    original = "http://herald.test/bridge"

    async def crawl() -> None:
        dedup.open_spider()  # loads the story index in a thread; the first item waits for it
        storage.open_spider()
        for item in (article("http://agg.test/bridge", text, source_url=original),
                     article(original, text, published="2026-03-02")):
            await storage.process_item(await dedup.process_item(item))
        storage.close_spider()
        dedup.close_spider()

    asyncio.run(crawl())
    store = read_store(tmp_path / "store.db")
    (story,) = store["stories"].values()
    assert story["copies"] == 2 and story["canonical_url"] == original
    assert {a["story_id"] for a in store["articles"].values()} == {story["story_id"]}
    assert crawler.stats.get_value("dedup/new_story") == 1
    assert crawler.stats.get_value("dedup/joined_story") == 1


@pytest.mark.parametrize(("setting", "value"), [
    ("DEDUP_MIN_OVERLAP", 1.5), ("DEDUP_NUM_PERM", 1), ("DEDUP_SEED", "abc"),
    ("EXTRACTION_MIN_WORDS", 0), ("EXTRACTION_FOCUS", "speed"), ("EXTRACTION_PAGE_TYPING", "maybe"),
])
def test_bad_settings_fail_at_startup_naming_the_setting(setting: str, value: Any) -> None:
    pipeline = DedupPipeline if setting.startswith("DEDUP") else ExtractionPipeline
    with pytest.raises(SettingsError, match=f"bad setting {setting}: "):
        build_from_crawler(pipeline, crawler_with(**{setting: value}))


@pytest.mark.parametrize(("pipeline", "setting"), [
    (DedupPipeline, "DEDUP_ENABLED"), (StoragePipeline, "STORAGE_ENABLED"),
    (SourceLinkPipeline, "SOURCELINK_ENABLED"),
])
def test_stages_can_be_switched_off(pipeline: Any, setting: str) -> None:
    with pytest.raises(NotConfigured, match=setting):
        build_from_crawler(pipeline, crawler_with(**{setting: False}))


def test_a_page_over_its_time_limit_is_dropped_and_counted() -> None:
    crawler = crawler_with(EXTRACTION_PAGE_TIMEOUT=0.2)
    pipeline = build_from_crawler(ExtractionPipeline, crawler)

    def endless(html: str, url: str, root: Any = None) -> Any:
        while True:
            pass

    pipeline.extractor.extract = endless  # a step the bounds missed
    with pytest.raises(DropItem, match="timeout: http://slow.test/"):
        pipeline.process_item(Page("http://slow.test/", "<html></html>", "x"))
    assert crawler.stats.get_value("extraction/dropped/timeout") == 1
    page = Page("http://roundup.test/world/dam/", (PAGES / "aggregator.html").read_text(), "x")
    pipeline.extractor = build_from_crawler(ExtractionPipeline, crawler).extractor
    assert isinstance(pipeline.process_item(page), Article)  # the limit is off again


def test_the_time_limit_holds_when_library_code_swallows_the_first_interrupt() -> None:
    crawler = crawler_with(EXTRACTION_PAGE_TIMEOUT=0.2)
    pipeline = build_from_crawler(ExtractionPipeline, crawler)
    swallowed = []

    def careless(html: str, url: str, root: Any = None) -> Any:
        try:
            while True:
                pass
        except Exception as exc:  # noqa: BLE001 -- as some libraries do, then go on
            swallowed.append(exc)
        while True:
            pass

    pipeline.extractor.extract = careless
    with pytest.raises(DropItem, match="timeout"):
        pipeline.process_item(Page("http://slow.test/", "<html></html>", "x"))
    assert swallowed  # the first interrupt was caught, a later one ended the page

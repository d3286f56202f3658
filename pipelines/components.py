"""The Scrapy glue: one small pipeline per concern. The only pipelines module importing Scrapy."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.items import ARTICLE_FIELDS, Article, Page
from pipelines.credits import find_credit
from pipelines.dedup import DedupOptions, PageFacts, StoryIndex
from pipelines.extraction import ArticleExtractor, Extraction
from pipelines.options import dedup_options, extraction_options
from pipelines.sources import find_source_link, parse_markup
from pipelines.storage import ArticleStore, SQLiteIndexBackend, open_store

logger = logging.getLogger(__name__)


def _stats(crawler: Crawler) -> StatsCollector:
    if crawler.stats is None:
        raise RuntimeError("the crawler has no stats collector")
    return crawler.stats


@contextmanager
def _timed(stats: StatsCollector, stage: str) -> Iterator[None]:
    """Adds the CPU time of the block to the stat timing/<stage>_cpu_s."""
    start = time.process_time()
    try:
        yield
    finally:
        stats.inc_value(f"timing/{stage}_cpu_s", time.process_time() - start)  # type: ignore[arg-type]


class ExtractionPipeline:
    """Page -> Article (main text and metadata), or a counted DropItem."""

    def __init__(self, crawler: Crawler, extractor: ArticleExtractor) -> None:
        self.crawler = crawler
        self.extractor = extractor

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # trafilatura warns about every page it finds no text in; our stats count those.
        logging.getLogger("trafilatura").setLevel(crawler.settings.get("EXTRACTION_LIBRARY_LOG_LEVEL"))
        return cls(crawler, ArticleExtractor(extraction_options(crawler.settings)))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        stats = _stats(self.crawler)
        with _timed(stats, "extraction"):
            result = self.extractor.extract(item.html, item.url)
        if not isinstance(result, Extraction):
            stats.inc_value(f"extraction/dropped/{result.reason}")
            raise DropItem(f"{result.reason}: {item.url}", log_level="DEBUG")
        stats.inc_value("extraction/articles")
        return Article(url=item.url, title=result.title, text=result.text, author=result.author,
                       published=result.published, site=result.site, language=result.language,
                       page_canonical=result.page_canonical, fetched_at=item.fetched_at,
                       modified=result.modified, description=result.description,
                       image=result.image, embeds=list(result.embeds),
                       html=item.html, aliases=item.aliases, redirects=item.redirects,
                       source_name=item.source_name)


class SourceLinkPipeline:
    """Sets source_url and source_evidence from the page's own attribution."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("SOURCELINK_ENABLED"):
            raise NotConfigured("Set SOURCELINK_ENABLED to True to find source links")
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        stats = _stats(self.crawler)
        with _timed(stats, "sources"):
            markup = parse_markup(item.html, item.url, item.redirects)
            link = find_source_link(markup) if markup else None
            item.credited_to = find_credit(markup.blocks, item.site) if markup else None
        if link is None:
            stats.inc_value("sources/none")
        else:
            item.source_url, item.source_evidence = link.url, link.evidence
            stats.inc_value(f"sources/found/{link.evidence.split(':')[0]}")
        item.html = ""  # no later stage needs it; free the memory
        return item


class DedupPipeline:
    """Assigns each article to a story (story_id, canonical_url, similarity)."""

    def __init__(self, crawler: Crawler, options: DedupOptions) -> None:
        self.crawler = crawler
        self.options = options
        self.index = StoryIndex(options)
        self.backend: SQLiteIndexBackend | None = None
        self.stories_before: set[str] = set()  # stories loaded from earlier crawls

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("DEDUP_ENABLED"):
            raise NotConfigured("Set DEDUP_ENABLED to True to merge copies into stories")
        return cls(crawler, dedup_options(s))

    def open_spider(self) -> None:
        settings = self.crawler.settings
        if settings.getbool("STORAGE_ENABLED"):
            path = settings.get("STORAGE_SQLITE_PATH")
            self.backend = SQLiteIndexBackend(open_store(path), path)
            self.backend.check(self.options.fingerprint())
            days = settings.getint("DEDUP_RETENTION_DAYS")
            since = (datetime.now(UTC) - timedelta(days=days)).isoformat() if days > 0 else None
            self.index.load(self.backend.load(seen_since=since))
            self.stories_before = set(self.index.story_ids())
            logger.info("story index: %d pages loaded from %s", len(self.index), path)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        stats = _stats(self.crawler)
        with _timed(stats, "dedup"):
            facts = PageFacts(item.published, item.source_url, item.site, item.credited_to,
                              on_crawled_site=item.source_name is not None)
            assignment, changed = self.index.add(item.url, item.text, facts, item.aliases)
        if self.backend is not None:
            with _timed(stats, "storage"):
                self.backend.save(changed)
        item.story_id = assignment.story_id
        item.similarity = assignment.similarity
        item.canonical_url = assignment.canonical.url
        item.canonical_reason = assignment.canonical.reason
        item.previous_canonical = assignment.previous_canonical
        item.merged_stories = list(assignment.merged)
        stats.inc_value("dedup/new_story" if assignment.new_story else "dedup/joined_story")
        if item.source_name:
            if assignment.new_story:
                event = "new_stories"
            elif assignment.story_id in self.stories_before:
                event = "joined_old_stories"
            else:
                event = "joined_new_stories"
            stats.inc_value(f"source/{item.source_name}/{event}")
        if assignment.merged:
            stats.inc_value("dedup/stories_merged", len(assignment.merged))
        if assignment.previous_canonical:
            stats.inc_value("dedup/canonical_changed")
        return item

    def close_spider(self) -> None:
        if self.backend is not None:
            self.backend.db.close()


class StoragePipeline:
    """Writes each article, and its story, to the SQLite store."""

    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = path
        self.store: ArticleStore | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STORAGE_ENABLED"):
            raise NotConfigured("Set STORAGE_ENABLED to True to write the SQLite store")
        return cls(crawler, crawler.settings.get("STORAGE_SQLITE_PATH"))

    def open_spider(self) -> None:
        self.store = ArticleStore(open_store(self.path), ARTICLE_FIELDS)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article) or self.store is None:
            return item
        stats = _stats(self.crawler)
        record = {k: v for k, v in ItemAdapter(item).asdict().items() if k in ARTICLE_FIELDS}
        with _timed(stats, "storage"):
            outcome = self.store.write(record, item.merged_stories, item.canonical_reason,
                                       item.previous_canonical)
        stats.inc_value(f"storage/articles_{outcome}")
        if item.source_name and outcome != "unchanged":
            stats.inc_value(f"source/{item.source_name}/{outcome}_articles")
        return item

    def close_spider(self) -> None:
        if self.store is not None:
            self.store.db.close()


class CrawlSummary:
    """Logs one summary line at the end of a crawl: fetched, emitted, dropped, stories."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, reason: str) -> None:
        stats = _stats(self.crawler)
        values = stats.get_stats()
        dropped = {k.split("/", 2)[2]: v for k, v in values.items()
                   if k.startswith("extraction/dropped/")}
        errors = sum(v for k, v in values.items() if k.startswith("crawl/error/"))
        logger.info(
            "summary: fetched %d pages, emitted %d articles, dropped %s, %d new stories, "
            "%d copies joined stories, %d errors (finish reason: %s)",
            values.get("response_received_count", 0), values.get("item_scraped_count", 0),
            dropped or "none", values.get("dedup/new_story", 0),
            values.get("dedup/joined_story", 0), errors, reason,
        )
        stats_file = self.crawler.settings.get("CRAWL_STATS_FILE")
        if stats_file:
            values = {**values, "cpu_seconds": time.process_time()}
            Path(stats_file).write_text(json.dumps(values, default=str, indent=1), "utf-8")

"""The Scrapy glue: one small pipeline per concern. The only pipelines module importing Scrapy."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self, TypeVar

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.items import ARTICLE_FIELDS, Article, NoArticle, Page
from pipelines.credits import find_credit
from pipelines.databases import DatabaseError, StoreLocation
from pipelines.dedup import DedupOptions, PageFacts, StoryIndex
from pipelines.extraction import ArticleExtractor, Extraction, Rejection
from pipelines.options import dedup_options, extraction_options, store_location
from pipelines.sources import find_attribution
from pipelines.storage import ArticleStore, StoreError, StoreIndexBackend, open_store
from pipelines.store_lock import StoreLock
from pipelines.story_desk import OpenedIndex, load_index, open_index, settle_into
from pipelines.time_limit import PageTimeLimit, PageTimeout

logger = logging.getLogger(__name__)

#: Sent by StoragePipeline as the crawl ends, before it closes the store (argument: `store`,
#: the ArticleStore): the crawl's last writes go there.
store_closing = object()


def _stats(crawler: Crawler) -> StatsCollector:
    if crawler.stats is None:
        raise RuntimeError("the crawler has no stats collector")
    return crawler.stats


@contextmanager
def _timed(stats: StatsCollector, stage: str) -> Iterator[None]:
    """Adds the CPU time of the block (this thread's) to the stat timing/<stage>_cpu_s."""
    start = time.thread_time()
    try:
        yield
    finally:
        stats.inc_value(f"timing/{stage}_cpu_s", time.thread_time() - start)  # type: ignore[arg-type]


T = TypeVar("T")


class ExtractionPipeline:
    """Page -> Article (main text and metadata), or a counted DropItem; at most
    EXTRACTION_PAGE_TIMEOUT seconds a page."""

    def __init__(self, crawler: Crawler, extractor: ArticleExtractor, time_limit: PageTimeLimit
                 ) -> None:
        self.crawler = crawler
        self.extractor = extractor
        self.time_limit = time_limit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        # trafilatura warns about every page it finds no text in; our stats count those.
        logging.getLogger("trafilatura").setLevel(crawler.settings.get("EXTRACTION_LIBRARY_LOG_LEVEL"))
        return cls(crawler, ArticleExtractor(extraction_options(crawler.settings)),
                   PageTimeLimit(crawler.settings.getfloat("EXTRACTION_PAGE_TIMEOUT")))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Page):
            return item
        stats = _stats(self.crawler)
        try:
            with _timed(stats, "extraction"), self.time_limit:
                result = self.extractor.extract(item.html, item.url, item.tree)
        except PageTimeout:
            result = Rejection("timeout")
        item.tree = None  # changed by extraction, needed by no later stage
        if not isinstance(result, Extraction):
            stats.inc_value(f"extraction/dropped/{result.reason}")
            evidence = f" ({', '.join(result.evidence)})" if result.evidence else ""
            raise DropItem(f"{result.reason}{evidence}: {item.url}", log_level="DEBUG") \
                from NoArticle(result.reason)
        stats.inc_value("extraction/articles")
        return Article(url=item.url, title=result.title, text=result.text, author=result.author,
                       published=result.published, site=result.site, language=result.language,
                       page_canonical=result.page_canonical, fetched_at=item.fetched_at,
                       modified=result.modified, description=result.description,
                       image=result.image, embeds=list(result.embeds),
                       html=item.html, aliases=item.aliases, redirects=item.redirects,
                       source_name=item.source_name, counted_for=item.counted_for,
                       markup=item.markup, source_link=item.source_link)


class SourceLinkPipeline:
    """Sets source_url, source_evidence and credited_to from the page's own attribution."""

    def __init__(self, crawler: Crawler, time_limit: PageTimeLimit) -> None:
        self.crawler = crawler
        self.time_limit = time_limit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("SOURCELINK_ENABLED"):
            raise NotConfigured("Set SOURCELINK_ENABLED to True to find source links")
        return cls(crawler, PageTimeLimit(crawler.settings.getfloat("EXTRACTION_PAGE_TIMEOUT")))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        stats = _stats(self.crawler)
        try:
            with _timed(stats, "sources"), self.time_limit:
                if item.markup is not None:  # parsed by the spider, which decided the link
                    link, credit = item.source_link, find_credit(item.markup.blocks, item.site)
                else:
                    link, credit = find_attribution(item.html, item.url, item.site,
                                                    item.redirects)
        except PageTimeout:
            link, credit = None, None
            stats.inc_value("sourcelink/timeout")
        item.credited_to = credit
        if link is None:
            stats.inc_value("sourcelink/none")
        else:
            item.source_url, item.source_evidence = link.url, link.evidence
            stats.inc_value(f"sourcelink/found/{link.evidence.split(':')[0]}")
        item.html, item.markup = "", None  # no later stage needs them; free the memory
        return item


class DedupPipeline:
    """Assigns each article to a story (story_id, canonical_url, similarity). The index rows
    a page changes go with it to StoragePipeline, which stores both in one transaction."""

    def __init__(self, crawler: Crawler, options: DedupOptions) -> None:
        self.crawler = crawler
        self.options = options
        self.index = StoryIndex(options)
        self.stories_before: set[str] = set()  # stories loaded from earlier crawls
        self.backend: StoreIndexBackend | None = None
        self.loading: concurrent.futures.Future[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("DEDUP_ENABLED"):
            raise NotConfigured("Set DEDUP_ENABLED to True to merge copies into stories")
        pipeline = cls(crawler, dedup_options(s))
        crawler.signals.connect(pipeline.settle, signal=store_closing)
        return pipeline

    def open_spider(self) -> None:
        settings = self.crawler.settings
        if not settings.getbool("STORAGE_ENABLED"):
            return
        # The store keeps what the index does not hold in memory: it stays open for reads.
        opened = open_index(store_location(settings), self.options,
                            settings.getint("DEDUP_RETENTION_DAYS"))
        self.index, self.backend = opened.index, opened.backend
        # A large index takes seconds to load: fetching starts meanwhile, and the first
        # article waits for the load in process_item.
        loader = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="story-index")
        self.loading = loader.submit(self._load, opened)
        loader.shutdown(wait=False)
        loop = asyncio.get_event_loop()
        self.loading.add_done_callback(
            lambda done: loop.call_soon_threadsafe(self._report_load_error, done))

    def _load(self, opened: OpenedIndex) -> None:
        self.stories_before = load_index(opened)

    def _report_load_error(self, loading: concurrent.futures.Future[None]) -> None:
        error = loading.exception()
        if error is None:
            return
        _stats(self.crawler).inc_value("storage/errors")
        if isinstance(error, (StoreError, DatabaseError)):
            logger.error("the story index cannot be loaded: %s; stopping the crawl", error)
        else:
            logger.error("the story index cannot be loaded; stopping the crawl",
                         exc_info=(type(error), error, error.__traceback__))
        if self.crawler.engine is not None:
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="store_failed"))

    async def _index_loaded(self) -> None:
        if self.loading is None:
            return
        try:
            await asyncio.wrap_future(self.loading)
        except Exception:  # noqa: BLE001 -- any load error; reported once by _report_load_error
            raise DropItem("the story index could not be loaded") from None
        self.loading = None

    def settle(self, store: ArticleStore) -> None:
        """Store the canonicals that the crawl's later pages changed in stories filed before
        them (StoryIndex.settle), so that they do not depend on the order pages came in."""
        if self.loading is not None:  # no article came: what an earlier crawl left is settled
            concurrent.futures.wait([self.loading])
            if self.loading.exception() is not None:
                return  # reported by _report_load_error
        try:
            changed = settle_into(self.index, store)
        except DatabaseError as exc:
            _stats(self.crawler).inc_value("storage/errors")
            logger.error("store failed writing the restated stories: %s (the next crawl "
                         "settles them)", exc)
            return
        _stats(self.crawler).inc_value("dedup/canonical_restated", changed)

    def close_spider(self) -> None:
        if self.loading is not None:
            concurrent.futures.wait([self.loading])  # never close the store under the loader
        if self.backend is not None:
            self.backend.db.close()

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article):
            return item
        await self._index_loaded()
        stats = _stats(self.crawler)
        with _timed(stats, "dedup"):
            facts = PageFacts(item.published, item.source_url, item.site, item.credited_to,
                              on_crawled_site=item.source_name is not None)
            assignment, changed = self.index.add(item.url, item.text, facts, item.aliases)
        item.index_pages = changed
        item.story_id = assignment.story_id
        item.similarity = assignment.similarity
        item.canonical_url = assignment.canonical.url
        item.assignment = assignment
        stats.inc_value("dedup/new_story" if assignment.new_story else "dedup/joined_story")
        if item.counted_for:
            if assignment.new_story:
                event = "new_stories"
            elif assignment.story_id in self.stories_before:
                event = "joined_old_stories"
            else:
                event = "joined_new_stories"
            stats.inc_value(f"source/{item.counted_for}/{event}")
        if assignment.merged:
            stats.inc_value("dedup/stories_merged", len(assignment.merged))
        if assignment.previous_canonical:
            stats.inc_value("dedup/canonical_changed")
        return item


class StoragePipeline:
    """Writes each article, its story and the index rows it changed to the SQLite store, in
    one transaction per page. The crawl holds the store's lock: a second crawl on the same
    store is refused. A store file another process keeps write-locked (an export, a sqlite3
    shell) is waited for without stopping the event loop, up to STORAGE_LOCK_TIMEOUT.

    A write that fails (disk full, lock held past the timeout, damaged file) is never
    silent: it is counted (storage/errors), logged in one line, and the crawl stops with
    finish reason "store_failed" and exit status 1. Pages not stored are fetched again by
    the next run."""

    def __init__(self, crawler: Crawler, location: StoreLocation, lock_timeout: float) -> None:
        self.crawler = crawler
        self.location = location
        self.lock_timeout = lock_timeout
        self.store: ArticleStore | None = None
        self.lock: StoreLock | None = None
        self.failed = False
        self._writes_in_order = asyncio.Lock()  # first come, first written

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not crawler.settings.getbool("STORAGE_ENABLED"):
            raise NotConfigured("Set STORAGE_ENABLED to True to write the SQLite store")
        return cls(crawler, store_location(crawler.settings),
                   crawler.settings.getfloat("STORAGE_LOCK_TIMEOUT"))

    def open_spider(self) -> None:
        self.lock = StoreLock.acquire(self.location)
        # SQLite's own wait blocks the thread: keep it short and wait here instead.
        self.store = ArticleStore(open_store(self.location, lock_timeout=_LOCK_POLL_S),
                                  ARTICLE_FIELDS)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article) or self.store is None:
            return item
        stats = _stats(self.crawler)
        record = {k: v for k, v in ItemAdapter(item).asdict().items() if k in ARTICLE_FIELDS}
        async with self._writes_in_order:
            if self.failed:
                stats.inc_value("storage/not_stored")
                raise DropItem(f"not stored (the store failed): {item.url}", log_level="DEBUG")
            try:
                outcome = await self._write(stats, record, item)
            except DatabaseError as exc:
                self._fail(item.url, exc)
                stats.inc_value("storage/not_stored")
                raise DropItem(f"not stored: {item.url}", log_level="DEBUG") from None
        item.index_pages = []
        stats.inc_value(f"storage/articles_{outcome}")
        if item.counted_for and outcome != "unchanged":
            stats.inc_value(f"source/{item.counted_for}/{outcome}_articles")
        return item

    async def _write(self, stats: StatsCollector, record: dict[str, Any], item: Article) -> str:
        assert self.store is not None
        deadline = time.monotonic() + self.lock_timeout
        while True:
            try:
                with _timed(stats, "storage"):
                    return self.store.write(record, item.assignment, item.index_pages)
            except DatabaseError as exc:
                if not exc.busy or time.monotonic() > deadline:
                    raise
                stats.inc_value("storage/lock_waits")
                await asyncio.sleep(_LOCK_POLL_S)

    def _fail(self, url: str, error: DatabaseError) -> None:
        _stats(self.crawler).inc_value("storage/errors")
        logger.error("store %s failed writing %s: %s; stopping the crawl (the pages not "
                     "stored are fetched again next run)", self.location, url, error)
        if not self.failed and self.crawler.engine is not None:
            self.failed = True
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="store_failed"))

    def close_spider(self) -> None:
        if self.store is not None:
            if not self.failed:
                self.crawler.signals.send_catch_log(store_closing, store=self.store)
            self.store.db.close()
        if self.lock is not None:
            self.lock.release()


# How long one try at a write waits for another process's lock before the crawl's event
# loop gets control back (then it tries again, up to STORAGE_LOCK_TIMEOUT).
_LOCK_POLL_S = 0.1

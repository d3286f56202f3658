"""Feed exporters: output safe to print (see crawler.safe_text), and feeds that end current.

A feed record says what was known when its page was processed; a later page can still move
that page to another story, change its story's original or its similarity. So that a
consumer who keeps the last record of each URL ends with what the store holds, a feed ends
with the current record of every stored page that a later page changed during the crawl
(FEED_REVISED_RECORDS).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, BinaryIO, Self

from scrapy.crawler import Crawler
from scrapy.exporters import CsvItemExporter, JsonItemExporter, JsonLinesItemExporter
from scrapy.statscollectors import StatsCollector

from crawler.items import ARTICLE_FIELDS
from crawler.safe_text import escape_json
from pipelines.databases import DatabaseError, StoreError, StoreLocation
from pipelines.options import store_location
from pipelines.storage import open_store, revised_articles

logger = logging.getLogger(__name__)


class RevisedRecords:
    """Mixed into an item exporter: before the feed is closed, export the stored articles
    that a later page of this crawl changed."""

    store: StoreLocation | None = None
    since = ""
    stats: StatsCollector | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, file: BinaryIO, *args: Any, **kwargs: Any) -> Self:
        exporter = cls(file, *args, **kwargs)  # type: ignore[call-arg]  # the exporter's own
        settings = crawler.settings
        if (settings.getbool("FEED_REVISED_RECORDS") and settings.getbool("STORAGE_ENABLED")
                and settings.getbool("DEDUP_ENABLED") and not settings.get("REDIS_URL")):
            # Workers leave stories to the desk: their feeds have none to revise.
            started = (crawler.stats.get_value("start_time") if crawler.stats else None) \
                or datetime.now(UTC)
            exporter.store, exporter.stats = store_location(settings), crawler.stats
            exporter.since = started.astimezone(UTC).replace(microsecond=0).isoformat()
        return exporter

    def finish_exporting(self) -> None:
        if self.store is not None:
            self.export_revised()
        super().finish_exporting()  # type: ignore[misc]

    def export_revised(self) -> None:
        assert self.store is not None
        count = 0
        try:
            db = open_store(self.store)
            try:
                for record in revised_articles(db, ARTICLE_FIELDS, self.since):
                    self.export_item(record)  # type: ignore[attr-defined]
                    count += 1
            finally:
                db.close()
        except (StoreError, DatabaseError) as exc:
            logger.error("the feed ends without revised records: %s", exc)
            return
        if self.stats is not None:
            self.stats.inc_value("feed/revised_records", count)
        if count:
            logger.info("feed: %d revised record(s) of pages a later page changed", count)


class SafeJsonLinesItemExporter(RevisedRecords, JsonLinesItemExporter):
    """Scrapy's JSON Lines exporter, with control and bidi characters written as escapes."""

    def export_item(self, item: Any) -> None:
        data = escape_json(self.encoder.encode(dict(self.get_serialized_fields(item))))
        self.file.write((data + "\n").encode(self.encoding or "utf-8"))


class RevisedJsonItemExporter(RevisedRecords, JsonItemExporter):
    """Scrapy's JSON exporter (one array), ending with the revised records."""


class RevisedCsvItemExporter(RevisedRecords, CsvItemExporter):
    """Scrapy's CSV exporter, ending with the revised records."""

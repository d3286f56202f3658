"""The Scrapy glue of a crawl worker: its articles go to the story desk (pipelines.handoff)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.items import ARTICLE_FIELDS, Article
from pipelines.handoff import ArticleStream, connect

logger = logging.getLogger(__name__)

#: Fields the desk needs besides the output schema's.
DESK_FIELDS = ("aliases", "source_name")


class HandoffPipeline:
    """Hands each article to the story desk through the Redis stream (in place of the dedup
    and storage stages; see crawler.scale_out). While HANDOFF_MAX_BACKLOG articles wait for
    the desk, the worker waits too, instead of filling Redis's memory."""

    def __init__(self, crawler: Crawler, url: str, max_backlog: int) -> None:
        self.crawler = crawler
        self.url = url
        self.max_backlog = max_backlog
        self.stream: ArticleStream | None = None
        self.backlog = 0  # articles waiting for the desk, as last seen
        self._one_at_a_time = asyncio.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("Set REDIS_URL to hand articles to a story desk")
        return cls(crawler, url, crawler.settings.getint("HANDOFF_MAX_BACKLOG"))

    def open_spider(self) -> None:
        self.stream = ArticleStream(connect(self.url))
        self.backlog = self.stream.length()
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("handoff/articles", 0)  # says: a worker's crawl

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, Article) or self.stream is None:
            return item
        record = {k: v for k, v in ItemAdapter(item).asdict().items()
                  if k in ARTICLE_FIELDS or k in DESK_FIELDS}
        stats = self.crawler.stats
        async with self._one_at_a_time:  # items run concurrently: the bound holds for all
            while self.backlog >= self.max_backlog:
                if stats is not None:
                    stats.inc_value("handoff/waits")
                await asyncio.sleep(1.0)
                self.backlog = self.stream.length()
            self.backlog = self.stream.send(record)
        if stats is not None:
            stats.inc_value("handoff/articles")
        item.html, item.markup = "", None
        return item

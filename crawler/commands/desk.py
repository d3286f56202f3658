"""`scrapy desk` (`copydesk desk`): the story desk of a scaled-out crawl.

    copydesk desk -s REDIS_URL=redis://HOST:6379/0 [-s STORAGE_SQLITE_PATH=news.db | -s STORE_URL=postgresql://...]
                  [--exit-when-idle SECONDS]

Crawl workers (`copydesk crawl ... -s REDIS_URL=...`) hand their articles to the desk
through Redis; the desk assigns each its story, in arrival order, and writes the store (it
holds the store's lock: one desk, and no plain crawl, per store). An article is
acknowledged only once committed, so a desk killed at any moment loses none: started
again, it files what it had been given first. Ctrl-C or SIGTERM stops it after the
article in hand.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from types import FrameType

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.log import configure_logging

from crawler.items import ARTICLE_FIELDS
from pipelines.databases import DatabaseError
from pipelines.handoff import ArticleStream, Entry, HandoffError, connect
from pipelines.options import SettingsError, dedup_options, store_location
from pipelines.storage import ArticleStore, StoreError, check_store, open_store
from pipelines.store_lock import StoreLock
from pipelines.story_desk import StoryDesk, load_index, open_index

logger = logging.getLogger(__name__)

_PROGRESS_EVERY_S = 10.0
#: Articles filed in one store transaction and acknowledged together: as many as came in
#: meanwhile, at most this many.
_BATCH = 64
#: After a batch smaller than _BATCH, the desk waits this long for more articles to gather.
#: A desk that keeps up with its workers would otherwise file their articles one by one, a
#: commit and a Redis round trip each: waiting a fifth of a second makes batches of a dozen
#: at a few workers' pace (an article reaches the store that much later).
_LINGER_S = 0.2


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "-s REDIS_URL=redis://HOST:PORT/DB [--exit-when-idle SECONDS]"

    def short_desc(self) -> str:
        return "Run the story desk: assign stories to the articles crawl workers hand over"

    def long_desc(self) -> str:
        return (f"{self.short_desc()}, and store them. Settings that matter: REDIS_URL (the "
                "server the workers use; required), STORE_URL or STORAGE_SQLITE_PATH (the store; "
                "default copydesk.db), the DEDUP_* settings (settings/__init__.py).")

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--exit-when-idle", type=float, metavar="SECONDS",
                            help="stop once no article has come for this many seconds "
                                 "(default: run until Ctrl-C or SIGTERM)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError("desk takes no arguments; its settings come with -s")
        if opts.exit_when_idle is not None and opts.exit_when_idle <= 0:
            raise UsageError("--exit-when-idle must be more than 0 seconds")
        assert self.settings is not None
        configure_logging(self.settings)  # LOG_LEVEL, LOG_FILE: the desk's progress lines
        url = self.settings.get("REDIS_URL")
        if not url:
            self._fail("set REDIS_URL to the Redis server the crawl workers use "
                       "(-s REDIS_URL=redis://HOST:6379/0)", 2)
            return
        try:
            options = dedup_options(self.settings)
            path = store_location(self.settings)
            stream = ArticleStream(connect(url))
            lock = StoreLock.acquire(path)
        except (SettingsError, HandoffError, StoreError) as exc:
            self._fail(str(exc), 2)
            return
        try:
            check_store(path)
            opened = open_index(path, options, self.settings.getint("DEDUP_RETENTION_DAYS"))
            load_index(opened)
            desk = StoryDesk(opened.index, ArticleStore(open_store(path), ARTICLE_FIELDS))
            stream.open_group()
            self._serve(desk, stream, opts.exit_when_idle)
        except StoreError as exc:
            self._fail(str(exc), 2)
        except HandoffError as exc:
            self._fail(str(exc), 1)
        except DatabaseError as exc:
            self._fail(f"store {path} failed ({exc}); the article in hand stays in Redis "
                       "and is filed when the desk starts again", 1)
        finally:
            lock.release()

    def _serve(self, desk: StoryDesk, stream: ArticleStream, idle_exit: float | None) -> None:
        stopping: list[int] = []

        def stop(signum: int, frame: FrameType | None) -> None:
            stopping.append(signum)

        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, stop)
        started = last_article = last_report = time.monotonic()
        resumed = list(stream.unacknowledged())
        if resumed:
            logger.info("desk: filing %d articles given to it before it stopped", len(resumed))
        filed = self._file(desk, stream, resumed, stopping)
        logger.info("desk: waiting for articles in %s", stream.key)
        unsettled = filed > 0
        while not stopping:
            entries = stream.receive(count=_BATCH, block_ms=1000)
            now = time.monotonic()
            if now - last_report >= _PROGRESS_EVERY_S:
                last_report = now
                logger.info("desk: %d articles filed (%.1f/s), %d waiting", filed,
                            filed / max(now - started, 1e-9), stream.length())
            if entries:
                last_article = now
                filed += self._file(desk, stream, entries, stopping)
                unsettled = True
                if len(entries) < _BATCH and not stopping:
                    time.sleep(_LINGER_S)
            elif unsettled:  # nothing waiting: the batch is filed
                desk.settle()
                unsettled = False
            elif idle_exit is not None and now - last_article >= idle_exit:
                break
        if unsettled:
            desk.settle()
        counts = desk.counts
        cpu_ms = 1000 * time.process_time() / max(filed, 1)
        print(f"desk: {filed:,} articles filed in {time.monotonic() - started:,.0f} s "
              f"({cpu_ms:.1f} ms CPU an article, start-up included): "
              f"{counts['articles_new']:,} new, {counts['articles_updated']:,} updated, "
              f"{counts['articles_unchanged']:,} unchanged; stories: "
              f"{counts['new_stories']:,} new, {counts['joined_stories']:,} copies joined, "
              f"{counts['stories_merged']:,} merged, {counts['canonicals_restated']:,} "
              f"canonicals restated", file=sys.stderr)

    @staticmethod
    def _file(desk: StoryDesk, stream: ArticleStream, entries: list[Entry],
              stopping: list[int]) -> int:
        """Files the entries a batch at a time, each batch acknowledged once its transaction
        is committed; returns how many were filed."""
        filed = 0
        for start in range(0, len(entries), _BATCH):
            if stopping:
                break  # the rest stay given and unacknowledged: filed at the next start
            batch = entries[start:start + _BATCH]
            desk.file_all([entry.record for entry in batch])
            stream.acknowledge([entry.entry_id for entry in batch])
            filed += len(batch)
        return filed

    def _fail(self, message: str, status: int) -> None:
        print(f"error: {message}", file=sys.stderr)
        self.exitcode = status

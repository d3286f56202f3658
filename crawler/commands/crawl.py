"""`scrapy crawl`, with arguments, settings and the store checked before the crawl starts,
and an exit status that says whether the crawl did its job.

A user's mistake (a malformed start URL, an unreadable start or sources file, a setting
out of range) or a store that cannot be used (not a database, damaged, read-only, built
with other shingle settings, or in use by another crawl) ends the command with a one-line
error and exit status 2, before Scrapy logs anything, instead of a traceback.

Exit status 1: the crawl ran but lost data (a store write failed: the pages not stored are
fetched again next run) or could fetch none of its start pages, feeds and sitemaps.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.settings import BaseSettings
from scrapy.spiderloader import get_spider_loader

from pipelines.options import check_settings, dedup_options
from pipelines.storage import SQLiteIndexBackend, StoreError, check_store, open_store
from pipelines.store_lock import StoreLock


class Command(ScrapyCrawlCommand):
    store_lock: StoreLock | None = None

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        if len(args) != 1 or self.settings is None:
            return  # Scrapy's own usage errors follow in run()
        try:
            spider_class = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            self._fail(f"no spider named {args[0]!r}")
        check = getattr(spider_class, "check_arguments", None)
        try:
            check_settings(self.settings)
            if check is not None:
                check(**opts.spargs)
            if self.settings.getbool("STORAGE_ENABLED"):
                # Held for the whole crawl (the storage stage joins this hold).
                self.store_lock = prepare_store(self.settings)
        except (ValueError, StoreError) as exc:
            self._fail(str(exc))

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("pass one spider name: scrapy crawl news -a start_urls=...")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        problem = crawl_problem(crawler.stats.get_stats() if crawler.stats else {})
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            self.exitcode = 1

    @staticmethod
    def _fail(message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def prepare_store(settings: BaseSettings) -> StoreLock:
    """Take the store's lock and check that the crawl can use the store.

    Raises:
        StoreError: naming the file and what is wrong.
    """
    path = settings.get("STORAGE_SQLITE_PATH")
    lock = StoreLock.acquire(path)
    try:
        check_store(path)
        if settings.getbool("DEDUP_ENABLED"):
            backend = SQLiteIndexBackend(open_store(path), path)
            try:
                backend.check(dedup_options(settings).fingerprint())
            finally:
                backend.db.close()
    except StoreError:
        lock.release()
        raise
    return lock


def crawl_problem(stats: dict[str, Any]) -> str | None:
    """Why a finished crawl should exit with status 1, or None."""
    not_stored = stats.get("storage/not_stored", 0)
    if stats.get("finish_reason") == "store_failed" or stats.get("storage/errors"):
        return (f"the store failed; {not_stored} article(s) were not stored and will be "
                "fetched again by the next run (see the log)")
    if stats.get("finish_reason") == "finished" and not stats.get("crawl/start_pages_ok"):
        return "none of the start pages, feeds or sitemaps could be fetched (see the log)"
    return None

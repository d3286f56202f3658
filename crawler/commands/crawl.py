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
from scrapy.utils.project import get_project_settings

from crawler.summary import summary_lines
from pipelines.handoff import HandoffError, connect
from pipelines.options import check_setting_names, check_settings, dedup_options, store_location
from pipelines.storage import StoreError, StoreIndexBackend, check_store, open_store
from pipelines.store_lock import StoreLock

# The settings a user of `crawl` most often changes (all are in settings/__init__.py).
_KEY_SETTINGS = (
    "STORAGE_SQLITE_PATH", "STORE_URL", "CRAWL_SOURCE_HOPS", "CRAWL_DISCOVER_ORIGINALS",
    "CRAWL_MAX_LINKS_PER_PAGE", "CRAWL_MAX_PAGES_PER_SITE", "CRAWL_STATS_FILE",
    "EGRESS_ALLOW", "EXTRACTION_MIN_WORDS", "EXTRACTION_PAGE_TYPING", "DEDUP_MIN_OVERLAP", "DEDUP_RETENTION_DAYS",
    "INCREMENTAL_ENABLED", "CONCURRENT_REQUESTS_PER_DOMAIN", "DOWNLOAD_DELAY", "REDIS_URL",
)


class Command(ScrapyCrawlCommand):
    store_lock: StoreLock | None = None

    def long_desc(self) -> str:
        lines = [
            "Crawl news sites (spider 'news'), extract the articles, find their originals, merge",
            "copies into stories and store them (exit status: 0 finished, 1 data lost or",
            "nothing fetched, 2 a mistake in the command or an unusable store).",
            "",
            "Spider arguments (-a NAME=VALUE):",
            "  start_urls   comma-separated home or section pages of the sites to crawl",
            "  start_file   a file of start URLs, one a line (# comments)",
            "  sources      a sources file (TOML, see sources.example.toml)",
            "  only         with sources: the names of the sources to crawl, comma-separated",
            "",
            "Settings that matter (-s NAME=VALUE; every one is documented in settings/__init__.py):",
        ]
        settings = get_project_settings()
        lines += [f"  {name} = {settings.get(name)!r}" for name in _KEY_SETTINGS]
        return "\n".join(lines)

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter  # keep long_desc's lines

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
            check_setting_names([item.split("=", 1)[0] for item in opts.set or []],
                                known_setting_names())
            check_settings(self.settings)
            if check is not None:
                check(**opts.spargs)
            if self.settings.get("REDIS_URL"):
                # A worker: the desk holds the store; the shared Redis must answer now.
                connect(self.settings.get("REDIS_URL")).close()
            elif self.settings.getbool("STORAGE_ENABLED"):
                # Held for the whole crawl (the storage stage joins this hold).
                self.store_lock = prepare_store(self.settings)
        except (ValueError, StoreError, HandoffError) as exc:
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
        stats = crawler.stats.get_stats() if crawler.stats else {}
        # Printed, not logged: the summary stays when the log is quiet (-L WARNING).
        print("\n".join(summary_lines(stats)), file=sys.stderr)
        if (opts.output or opts.overwrite_output) and not stats.get("item_scraped_count") \
                and any(k.startswith("incremental/") for k in stats):
            print("note: the feed is empty: every article found was stored by an earlier run; "
                  "`copydesk export -o FILE` writes the store's articles", file=sys.stderr)
        problem = crawl_problem(stats)
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            self.exitcode = 1

    @staticmethod
    def _fail(message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def known_setting_names() -> set[str]:
    """Every setting Scrapy or Copydesk defines."""
    import scrapy.settings.default_settings as scrapy_defaults

    import settings as project_settings

    return {name for module in (scrapy_defaults, project_settings) for name in vars(module)
            if name.isupper()}


def prepare_store(settings: BaseSettings) -> StoreLock:
    """Take the store's lock and check that the crawl can use the store.

    Raises:
        StoreError: naming the store and what is wrong.
    """
    store = store_location(settings)
    lock = StoreLock.acquire(store)
    try:
        check_store(store)
        if settings.getbool("DEDUP_ENABLED"):
            backend = StoreIndexBackend(open_store(store))
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
    worker = "handoff/articles" in stats  # its start pages may be another worker's to fetch
    if stats.get("finish_reason") == "finished" and not stats.get("crawl/start_pages_ok") \
            and not worker:
        return "none of the start pages, feeds or sitemaps could be fetched (see the log)"
    return None

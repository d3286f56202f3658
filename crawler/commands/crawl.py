"""`scrapy crawl`, with spider arguments checked before the crawl starts.

A user's mistake (a malformed start URL, an unreadable start or sources file, a setting
out of range) ends the command with a one-line error and exit status 2, before Scrapy logs
anything, instead of a traceback from inside the crawl.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.spiderloader import get_spider_loader

from pipelines.options import check_settings


class Command(ScrapyCrawlCommand):
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
        except ValueError as exc:
            self._fail(str(exc))

    @staticmethod
    def _fail(message: str) -> None:
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)

"""`scrapy crawl`, with spider arguments checked before the crawl starts.

A user's mistake (a malformed start URL, an unreadable start file) ends the command with a
one-line error and exit status 2 instead of a traceback from inside the crawl.
"""

from __future__ import annotations

import argparse
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) == 1 and self.crawler_process is not None:
            try:
                spider_class = self.crawler_process.spider_loader.load(args[0])
            except KeyError:
                print(f"error: no spider named {args[0]!r}", file=sys.stderr)
                self.exitcode = 2
                return
            check = getattr(spider_class, "check_arguments", None)
            if check is not None:
                try:
                    check(**opts.spargs)
                except ValueError as exc:
                    print(f"error: {exc}", file=sys.stderr)
                    self.exitcode = 2
                    return
        super().run(args, opts)

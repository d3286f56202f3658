"""`scrapy export -o FILE`: the store's articles as JSON Lines, as they stand now.

Feeds written during a crawl (`-O`) carry each story's canonical URL as known when the page
was processed; the store is updated as better evidence arrives. This writes the current
state, one record per article in the output schema, ordered by story.
"""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager as ContextManager
from contextlib import nullcontext
from pathlib import Path
from typing import TextIO

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.items import ARTICLE_FIELDS
from crawler.safe_text import json_line
from pipelines.storage import StoreError, iter_articles, open_store


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "-o FILE"

    def short_desc(self) -> str:
        return "Write the stored articles as JSON Lines (current story ids and originals)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="JSON Lines file ('-': stdout)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not opts.output:
            raise UsageError("pass the output file: -o FILE")
        path = self.settings.get("STORAGE_SQLITE_PATH") if self.settings else "copydesk.db"
        if not Path(path).is_file():
            print(f"error: no store at {path} (set STORAGE_SQLITE_PATH)", file=sys.stderr)
            self.exitcode = 2
            return
        try:
            db = open_store(path)
            out = sys.stdout if opts.output == "-" else open(opts.output, "w", encoding="utf-8")
        except (StoreError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        with out if out is not sys.stdout else _NoClose(out):
            for record in iter_articles(db, ARTICLE_FIELDS):
                out.write(json_line(record) + "\n")
        db.close()


class _NoClose:
    def __init__(self, stream: object) -> None:
        self.stream = stream

    def __enter__(self) -> object:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        pass

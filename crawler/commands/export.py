"""`scrapy export -o FILE`: the store's articles as they stand now: JSON Lines, CSV, Parquet.

Feeds written during a crawl (`-O`) carry each story's canonical URL as known when the page
was processed; the store is updated as better evidence arrives. This writes the current
state, one record per article in the output schema, ordered by story. The format follows
the file's suffix (`.csv`, `.parquet`, else JSON Lines) or `--format`; `-o -` writes to stdout, and a
reader that stops early (`| head`) ends the export quietly.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import existing_store, stdout_reader_gone
from crawler.corpus_io import CorpusError, write_rows
from crawler.items import ARTICLE_FIELDS
from crawler.safe_text import json_line
from pipelines.databases import StoreLocation
from pipelines.storage import StoreError, iter_articles, open_store

FORMATS = ("jsonl", "csv", "parquet")


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "-o FILE [--format jsonl|csv|parquet]"

    def long_desc(self) -> str:
        return f"{self.short_desc()}. Settings that matter: STORAGE_SQLITE_PATH (the store to read; default copydesk.db) or STORE_URL."

    def short_desc(self) -> str:
        return "Write the stored articles as JSON Lines or CSV (current story ids and originals)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="FILE", help="output file ('-': stdout)")
        parser.add_argument("--format", choices=FORMATS,
                            help="jsonl, csv or parquet (default: the file's suffix, else jsonl)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if not opts.output:
            raise UsageError("pass the output file: -o FILE")
        try:
            path = existing_store(self.settings)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        suffix = Path(opts.output).suffix.lower().lstrip(".")
        form = opts.format or (suffix if suffix in FORMATS else "jsonl")
        if form == "parquet":
            self._parquet(path, opts.output)
            return
        try:
            db = open_store(path)
            out = sys.stdout if opts.output == "-" else open(opts.output, "w", encoding="utf-8",
                                                              newline="")
        except (StoreError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        try:
            write_records(out, iter_articles(db, ARTICLE_FIELDS), form)
            out.flush()
        except BrokenPipeError:
            stdout_reader_gone()
        finally:
            if out is not sys.stdout:
                out.close()
            db.close()


    def _parquet(self, store: StoreLocation, output: str) -> None:
        if output == "-":
            raise UsageError("Parquet is written to a file, not stdout")
        try:
            db = open_store(store)
            try:
                write_rows(Path(output), list(iter_articles(db, ARTICLE_FIELDS)), ARTICLE_FIELDS)
            finally:
                db.close()
        except (StoreError, CorpusError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2


def write_records(out: TextIO, records: Iterable[dict[str, Any]], form: str) -> None:
    """Records in the output schema as JSON Lines, or as CSV with a header row (lists as
    JSON text; control and bidi characters escaped in JSON Lines)."""
    if form == "jsonl":
        out.writelines(json_line(record) + "\n" for record in records)
        return
    writer = csv.DictWriter(out, fieldnames=ARTICLE_FIELDS, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in record.items()})

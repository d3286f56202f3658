"""`scrapy dedup` (`copydesk dedup`): merge the copies in a corpus you already have.

    copydesk dedup INPUT -o OUTPUT [--text-field text] [--id-field id]
                   [--url-field FIELD] [--published-field FIELD]

INPUT and OUTPUT are JSON Lines, CSV or Parquet, by their suffix. The output has the input's
rows with `story_id`, `canonical_id` and `similarity` added, decided with the crawl's
shingling, MinHash LSH, verification and story rules (the DEDUP_* settings apply).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.corpus_io import CorpusError, read_rows, write_rows
from pipelines.corpus import Document, assign_stories
from pipelines.options import SettingsError, dedup_options

ADDED_FIELDS = ["story_id", "canonical_id", "similarity"]


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "INPUT -o OUTPUT [--text-field text] [--id-field id] [--url-field F] [--published-field F]"

    def long_desc(self) -> str:
        return f"{self.short_desc()}. Settings that matter: the DEDUP_* settings (settings/__init__.py), e.g. DEDUP_MIN_OVERLAP (share of the shorter text two documents must share to be one story, default 0.8)."

    def short_desc(self) -> str:
        return "Merge the copies in a JSONL, CSV or Parquet corpus into stories"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-o", "--output", metavar="OUTPUT", help=".jsonl, .csv or .parquet")
        parser.add_argument("--text-field", default="text", help="column of the text (default: text)")
        parser.add_argument("--id-field", default="id",
                            help="column of a unique id (default: id; the row number if absent)")
        parser.add_argument("--url-field", help="column of the URL, if any")
        parser.add_argument("--published-field", help="column of the publication date, if any")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or not opts.output:
            raise UsageError("pass one input file and the output: dedup INPUT -o OUTPUT")
        try:
            options = dedup_options(self.settings) if self.settings else None
            rows = list(read_rows(Path(args[0])))
            documents = [_document(row, number, opts) for number, row in enumerate(rows, 1)]
        except (CorpusError, SettingsError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        started = time.monotonic()
        show = _progress(len(documents), started) if sys.stderr.isatty() else None
        try:
            assigned = assign_stories(documents, options, show)
        except ValueError as exc:
            print(f"error: {args[0]}: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        if show is not None:
            sys.stderr.write("\r\x1b[K")
        for row, story in zip(rows, assigned, strict=True):
            row.update(story_id=story.story_id, canonical_id=story.canonical_id,
                       similarity=story.similarity)
        fields = [*dict.fromkeys(k for row in rows for k in row if k not in ADDED_FIELDS), *ADDED_FIELDS]
        try:
            write_rows(Path(opts.output), rows, fields)
        except CorpusError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        stories = len({s.story_id for s in assigned})
        seconds = time.monotonic() - started
        print(f"{len(assigned):,} documents, {stories:,} stories, {len(assigned) - stories:,} "
              f"duplicates, in {seconds:,.1f} s ({len(assigned) / max(seconds, 1e-9):,.0f} documents/s); "
              f"written to {opts.output}", file=sys.stderr)


def _document(row: dict[str, object], number: int, opts: argparse.Namespace) -> Document:
    text = row.get(opts.text_field)
    if not isinstance(text, str):
        raise ValueError(f"row {number} has no text in field {opts.text_field!r} "
                         f"(fields: {', '.join(map(str, row))}; choose one with --text-field)")
    identifier = row.get(opts.id_field)
    url = row.get(opts.url_field) if opts.url_field else None
    published = row.get(opts.published_field) if opts.published_field else None
    return Document(str(identifier if identifier not in (None, "") else number), text,
                    str(url) if url else None, str(published) if published else None)


def _progress(total: int, started: float) -> Callable[[int], None]:
    """A progress bar on the terminal, redrawn every 1,000 documents."""
    def show(done: int) -> None:
        rate = done / max(time.monotonic() - started, 1e-9)
        width = 30
        filled = int(width * done / max(total, 1))
        sys.stderr.write(f"\r\x1b[K[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} "
                         f"documents, {rate:,.0f}/s")
        sys.stderr.flush()

    return show

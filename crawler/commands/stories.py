"""`scrapy stories` (`copydesk stories`): the stories in a store, newest first.

    copydesk stories [--since DATE] [--site SITE] [--min-copies N] [--story ID] [--limit N]
    copydesk stories --json            every matching story as one JSON document
    copydesk stories --html FILE       one self-contained page: originals, copies, evidence,
                                       timelines, copy rates per site
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.commands import existing_store, stdout_reader_gone
from crawler.safe_text import escape_json
from crawler.story_report import render_html, render_table
from pipelines.storage import StoreError, open_store
from pipelines.story_views import load_stories, site_rates


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--since DATE] [--site SITE] [--min-copies N] [--story ID] [--json | --html FILE]"

    def long_desc(self) -> str:
        return f"{self.short_desc()}. Settings that matter: STORAGE_SQLITE_PATH (the store to read; default copydesk.db) or STORE_URL."

    def short_desc(self) -> str:
        return "Show the stories in the store: originals, copies, evidence (table, JSON or HTML)"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--since", metavar="DATE",
                            help="stories first seen since: an ISO date or datetime, or 7d / 12h")
        parser.add_argument("--site", help="stories with a page on this site (host or site name)")
        parser.add_argument("--min-copies", type=int, default=0, metavar="N",
                            help="stories with at least N copies besides the original")
        parser.add_argument("--story", metavar="ID", help="one story, by its story_id")
        parser.add_argument("--limit", type=int, default=20, metavar="N",
                            help="stories shown in the table (default 20; 0: all)")
        output = parser.add_mutually_exclusive_group()
        output.add_argument("--json", action="store_true", help="every matching story as JSON")
        output.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            store = existing_store(self.settings)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        if opts.min_copies < 0 or opts.limit < 0:
            raise UsageError("--min-copies and --limit must be 0 or more")
        try:
            since = parse_since(opts.since)
            db = open_store(store)
        except (ValueError, StoreError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        try:
            stories = load_stories(db, since, opts.site, opts.min_copies, opts.story)
        finally:
            db.close()
        try:
            if opts.json:
                records = [story.as_record() for story in stories]
                sys.stdout.write(escape_json(json.dumps(records, ensure_ascii=False, indent=1)) + "\n")
            elif opts.html:
                Path(opts.html).write_text(render_html(stories, site_rates(stories), str(store)), "utf-8")
                print(f"{len(stories)} stories written to {opts.html}")
            else:
                shown = stories[: opts.limit] if opts.limit else stories
                # Cut to the terminal's width; piped output keeps whole lines.
                width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
                sys.stdout.write(render_table(shown, width))
                if len(shown) < len(stories):
                    print(f"... {len(stories) - len(shown)} more (--limit 0 shows all)")
            sys.stdout.flush()
        except BrokenPipeError:
            stdout_reader_gone()
        except OSError as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2


def parse_since(text: str | None) -> str | None:
    """An ISO 8601 lower bound from "2026-03-01", "2026-03-01T10:00:00+00:00", "7d" or "12h".

    Raises:
        ValueError: naming the bad value.
    """
    if not text:
        return None
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if text[-1:] in units and text[:-1].isdigit():
        moment = datetime.now(UTC) - timedelta(**{units[text[-1]]: int(text[:-1])})
        return moment.isoformat(timespec="seconds")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--since {text!r} is not a date (2026-03-01), datetime or age (7d, 12h)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")

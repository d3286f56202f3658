"""`scrapy schedule -a sources=FILE [--once]`: run each source when its interval is due.

Every round crawls the due sources in one `scrapy crawl news` subprocess (Twisted's reactor
cannot restart in one process), records when each source ran in the store, and prints one
summary line per source. Ctrl-C or SIGTERM is passed to the running crawl, which finishes
the pages in flight and closes the store cleanly; the scheduler then exits.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from crawler.schedule_state import RunLog, due_sources, next_due, source_summary, when_due
from crawler.sources import load_sources
from pipelines.options import SettingsError, check_settings, store_location
from pipelines.storage import StoreError

_POLL_SECONDS = 60


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "-a sources=FILE [--once]"

    def short_desc(self) -> str:
        return "Crawl each source of a sources file whenever its interval is due"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("-a", dest="spargs", action="append", default=[], metavar="NAME=VALUE",
                            help="sources=FILE (required)")
        parser.add_argument("--once", action="store_true",
                            help="run the sources that are due, then exit (for cron)")

    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)
        spargs = dict(arg.split("=", 1) for arg in opts.spargs if "=" in arg)
        if "sources" not in spargs:
            raise UsageError("pass the sources file: -a sources=FILE")
        try:
            self.sources = load_sources(spargs["sources"])
            if self.settings is not None:
                check_settings(self.settings)
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
        self.sources_file = spargs["sources"]
        self.overrides: list[str] = list(getattr(opts, "set", None) or [])

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        try:
            assert self.settings is not None
            self.runs = RunLog(store_location(self.settings))
        except (SettingsError, StoreError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        self.stop = threading.Event()
        self.child: subprocess.Popen[bytes] | None = None
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        announced = ""
        while not self.stop.is_set():
            due = due_sources(self.sources, self.runs.last_finished(), datetime.now(UTC))
            if due:
                self._crawl([s.name for s in due])
                announced = ""
            elif opts.once:
                print("nothing is due; " + when_due(*self._next()), flush=True)
            if opts.once or self.stop.is_set():
                break
            name, wait = self._next()
            if wait >= 1 and name != announced:  # once per wait, not every poll
                print(when_due(name, wait), flush=True)
                announced = name
            self.stop.wait(min(max(wait, 1.0), _POLL_SECONDS))

    def _next(self) -> tuple[str, float]:
        return next_due(self.sources, self.runs.last_finished(), datetime.now(UTC))

    def _crawl(self, names: list[str]) -> None:
        with tempfile.TemporaryDirectory() as workdir:
            stats_file = Path(workdir) / "stats.json"
            command = [sys.executable, "-m", "scrapy.cmdline", "crawl", "news",
                       "-a", f"sources={self.sources_file}", "-a", f"only={','.join(names)}",
                       "-s", f"CRAWL_STATS_FILE={stats_file}"]
            for override in self.overrides:
                command += ["-s", override]
            started = datetime.now(UTC)
            self.child = subprocess.Popen(command)
            status = self.child.wait()
            self.child = None
            stats: dict[str, Any] = (json.loads(stats_file.read_text())
                                     if stats_file.exists() else {})
        finish_reason = str(stats.get("finish_reason", f"exit status {status}"))
        for name in names:
            print(source_summary(name, stats, finish_reason), flush=True)
            if status == 0 and finish_reason == "finished":
                self.runs.record(name, started, datetime.now(UTC))

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop.set()
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGINT)  # Scrapy's graceful shutdown

"""When each source last ran, which are due, and the per-source summary of a run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.sources import Source
from pipelines.databases import StoreLocation
from pipelines.storage import open_store


class RunLog:
    """The `source_runs` table of the store."""

    def __init__(self, store: StoreLocation | str | Path) -> None:
        self.db = open_store(store)

    def last_finished(self) -> dict[str, datetime]:
        rows = self.db.execute("SELECT name, last_finished FROM source_runs")
        return {name: datetime.fromisoformat(finished) for name, finished in rows}

    def record(self, name: str, started: datetime, finished: datetime) -> None:
        self.db.execute(
            "INSERT INTO source_runs (name, last_started, last_finished) VALUES (?, ?, ?)"
            " ON CONFLICT(name) DO UPDATE SET last_started=excluded.last_started,"
            " last_finished=excluded.last_finished",
            (name, started.isoformat(timespec="seconds"), finished.isoformat(timespec="seconds")),
        )


def due_sources(sources: Sequence[Source], last_finished: dict[str, datetime],
                now: datetime) -> list[Source]:
    """Sources never run, or whose interval has passed since their last finished run."""
    return [s for s in sources if s.name not in last_finished
            or now - last_finished[s.name] >= timedelta(minutes=s.interval_minutes)]


def next_due(sources: Sequence[Source], last_finished: dict[str, datetime],
             now: datetime) -> tuple[str, float]:
    """The source due soonest and the seconds until it is due (0 when due now)."""
    waits = [((last_finished[s.name] + timedelta(minutes=s.interval_minutes) - now).total_seconds()
              if s.name in last_finished else 0.0, s.name) for s in sources]
    wait, name = min(waits, default=(0.0, ""))
    return name, max(wait, 0.0)


def when_due(name: str, seconds: float) -> str:
    """'next: source NAME is due in 12 min (at 14:05 UTC)'."""
    at = (datetime.now(UTC) + timedelta(seconds=seconds)).strftime("%H:%M UTC")
    minutes = max(1, round(seconds / 60))
    return f"next: source {name} is due in {minutes} min (at {at})"


def source_summary(name: str, stats: dict[str, Any], finish_reason: str) -> str:
    """One line: fetched, new articles, new stories, copies joined to old stories, errors."""
    def count(event: str) -> int:
        return int(stats.get(f"source/{name}/{event}", 0))

    return (f"source {name}: fetched {count('pages_fetched')}, new articles {count('new_articles')}, "
            f"updated {count('updated_articles')}, new stories {count('new_stories')}, "
            f"copies joined to old stories {count('joined_old_stories')}, "
            f"errors {count('errors')} ({finish_reason})")

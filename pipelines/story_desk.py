"""The story desk: assigns articles to stories and stores them, in the order they come.

A crawl does this in its dedup and storage stages; when several crawl workers share a
frontier, one desk process does it for all of them (`copydesk desk`), so story decisions
stay sequential and every worker's articles meet the same index. Both open the index the
same way: its stored band keys are loaded, not recomputed.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from pipelines.databases import DatabaseError, StoreLocation
from pipelines.dedup import DedupOptions, PageFacts, StoryIndex
from pipelines.storage import ArticleStore, StoreIndexBackend, open_store
from pipelines.story_model import Assignment, IndexedPage

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Tries of one article's write when the store says busy (another writer's lock, a
# deadlock the server broke): 0.05 s doubling, about 6 s in all.
_WRITE_TRIES = 7


@dataclass
class OpenedIndex:
    """A story index backed by the store, not loaded yet (see load_index)."""

    index: StoryIndex
    backend: StoreIndexBackend
    keys_current: bool  # stored band keys were made with these settings
    seen_since: str | None  # the retention window's start (ISO 8601), None: every story


def open_index(store: StoreLocation | str, options: DedupOptions, retention_days: int) -> OpenedIndex:
    """Open the store's story index, refusing one built with other parameters.

    Raises:
        StoreError: naming the store and what to do.
    """
    backend = StoreIndexBackend(open_store(store))
    index = StoryIndex(options, archive=backend)
    keys_current = backend.check(options.fingerprint(), index.derived_scheme)
    since = (datetime.now(UTC) - timedelta(days=retention_days)).isoformat() \
        if retention_days > 0 else None
    return OpenedIndex(index, backend, keys_current, since)


def load_index(opened: OpenedIndex) -> set[str]:
    """Load the stored pages of the retention window; band keys missing or made under
    other settings are computed and saved. Returns the ids of the stories loaded."""
    started = time.monotonic()
    index, backend = opened.index, opened.backend
    computed = index.load(backend.load(seen_since=opened.seen_since, bands=opened.keys_current))
    index.resume(*backend.unsettled())
    if computed or not opened.keys_current:
        logger.info("story index: band keys computed for %d stored pages", len(computed))
        backend.save(computed, derived_scheme=index.derived_scheme)
    logger.info("story index: %d pages loaded from %s in %.1f s", len(index), backend.db.location,
                time.monotonic() - started)
    return set(index.story_ids())


@dataclass(frozen=True)
class Filed:
    outcome: str  # "new", "updated" or "unchanged" (ArticleStore.write)
    new_story: bool


class StoryDesk:
    """Files article records (the output schema plus `aliases`, `source_name`) into
    stories and the store, in the order given."""

    def __init__(self, index: StoryIndex, store: ArticleStore) -> None:
        self.index = index
        self.store = store
        self.counts: Counter[str] = Counter()

    def file(self, record: dict[str, Any]) -> Filed:
        """Assign the article its story and store both, in one transaction."""
        return self.file_all([record])[0]

    def file_all(self, records: Sequence[dict[str, Any]]) -> list[Filed]:
        """Assign each article its story, in order, and store them all in one transaction.
        Under load the desk files what the workers sent meanwhile as one batch: a commit
        (and an acknowledgement) per article cost the desk about as much as its story
        decisions."""
        assigned = [self._assign(record) for record in records]
        outcomes = write_when_free(lambda: self._write(assigned),
                                   records[0]["url"] if len(records) == 1
                                   else f"{len(records)} articles")
        filed = []
        for (_, assignment, _), outcome in zip(assigned, outcomes, strict=True):
            self.counts["new_stories" if assignment.new_story else "joined_stories"] += 1
            self.counts[f"articles_{outcome}"] += 1
            self.counts["stories_merged"] += len(assignment.merged)
            filed.append(Filed(outcome, assignment.new_story))
        return filed

    def _assign(self, record: dict[str, Any]) -> tuple[dict[str, Any], Assignment, list[IndexedPage]]:
        facts = PageFacts(record.get("published"), record.get("source_url"), record.get("site"),
                          record.get("credited_to"),
                          on_crawled_site=record.get("source_name") is not None)
        assignment, changed = self.index.add(record["url"], record["text"], facts,
                                             record.get("aliases") or ())
        row = {**record, "story_id": assignment.story_id,
               "canonical_url": assignment.canonical.url, "similarity": assignment.similarity}
        return row, assignment, changed

    def _write(self, assigned: list[tuple[dict[str, Any], Assignment, list[IndexedPage]]]
               ) -> list[str]:
        with self.store.db.transaction():  # the writes below join it: one commit
            return [self.store.write(row, assignment, changed)
                    for row, assignment, changed in assigned]

    def settle(self) -> int:
        """Store the canonicals that pages filed since the last call changed in other
        stories (settle_into); returns how many stories' canonical changed."""
        changed = settle_into(self.index, self.store)
        self.counts["canonicals_restated"] += changed
        return changed


def settle_into(index: StoryIndex, store: ArticleStore) -> int:
    """StoryIndex.settle, written to the store (ArticleStore.restate, again while the store
    is busy); returns how many stories' stored canonical changed."""
    settlement = index.settle()
    return write_when_free(lambda: store.restate(settlement), "restated stories")


def write_when_free(write: Callable[[], T], what: str) -> T:
    """Run a store write (one transaction), again while the store says it is busy (another
    writer's lock, a deadlock the server broke), for about 6 s in all."""
    for attempt in range(_WRITE_TRIES):
        try:
            return write()
        except DatabaseError as exc:  # undone as a whole: the same write may try again
            if not exc.busy or attempt == _WRITE_TRIES - 1:
                raise
            logger.info("store busy (%s); writing %s again", exc, what)
            time.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")

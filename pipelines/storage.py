"""The store: articles, stories, the story history, the story index and what the next
crawl needs, in one database so that a crawl tomorrow continues today's stories: an SQLite
file by default, or PostgreSQL (pipelines.databases). Every page is written in one
transaction, so a crash loses at most the page in flight.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from pipelines.databases import (
    Database,
    DatabaseError,
    StoreError,
    StoreLocation,
    connect,
    new_store_hint,
    unusable,
)
from pipelines.dedup import Assignment, IndexedPage, PageFacts, Settlement

__all__ = ["ArticleStore", "StoreError", "StoreIndexBackend", "check_store", "open_store",
           "revised_articles"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    url TEXT PRIMARY KEY, title TEXT, text TEXT NOT NULL, author TEXT, published TEXT,
    site TEXT, language TEXT, page_canonical TEXT, fetched_at TEXT NOT NULL,
    source_url TEXT, source_evidence TEXT, credited_to TEXT, story_id TEXT, canonical_url TEXT,
    similarity REAL, modified TEXT, description TEXT, image TEXT, embeds TEXT, revised_at TEXT
);
CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id);
CREATE TABLE IF NOT EXISTS stories (
    story_id TEXT PRIMARY KEY, canonical_url TEXT NOT NULL, canonical_reason TEXT,
    title TEXT, first_seen TEXT NOT NULL, copies INTEGER NOT NULL, updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS story_history (
    id INTEGER PRIMARY KEY, story_id TEXT NOT NULL, at TEXT NOT NULL,
    event TEXT NOT NULL, detail TEXT
);
CREATE TABLE IF NOT EXISTS story_index (
    url TEXT PRIMARY KEY, story_id TEXT NOT NULL, hashes BLOB NOT NULL,
    published TEXT, source_url TEXT, site TEXT, credited_to TEXT, aliases TEXT, seen_at TEXT,
    on_crawled_site INTEGER, bands BLOB, url_key TEXT
);
-- Each page's shingle hashes, read only to verify a candidate: kept out of story_index so a
-- start-up that loads story_index does not read them (story_index.hashes is empty for rows
-- written since; rows of older releases keep theirs there until written again).
CREATE TABLE IF NOT EXISTS story_shingles (url TEXT PRIMARY KEY, hashes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS index_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS source_runs (
    name TEXT PRIMARY KEY, last_started TEXT NOT NULL, last_finished TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS http_validators (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_marks (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS remembered_pages (
    url TEXT PRIMARY KEY, reason TEXT NOT NULL, seen_at TEXT NOT NULL, retry_after TEXT NOT NULL
);
"""


def open_store(store: StoreLocation | str | Path, lock_timeout: float = 30) -> Database:
    """Open (creating if needed) the store: a StoreLocation, or a file path. A write waits
    up to `lock_timeout` seconds for another process's write to end, then fails.

    Raises:
        StoreError: when the store is not a usable database or cannot be reached.
    """
    location = StoreLocation.of(store)
    db = connect(location, lock_timeout, application=f"copydesk pid {os.getpid()}")
    try:
        db.create_schema(_SCHEMA)
    except DatabaseError as exc:
        db.close()
        raise StoreError(unusable(location, exc)) from None
    return db


def check_store(store: StoreLocation | str | Path) -> None:
    """Check, before a crawl, that the store can be read and written: a file that is not a
    database, has damaged pages, or is read-only (or a database the user may not write)
    fails here with one line, not later in the crawl.

    Raises:
        StoreError: naming the store and the problem.
    """
    db = open_store(store, lock_timeout=5)
    try:
        problems = db.integrity_problems()
        if problems:
            found = " ".join("; ".join(problems).split())[:300]
            raise StoreError(f"{db.location} is damaged ({found}); restore a backup or start "
                             "a new store file (STORAGE_SQLITE_PATH)")
        with db.transaction():  # a real write: fails on a read-only file or file system
            set_meta(db, {"store_checked_at": _now()})
    except DatabaseError as exc:
        raise StoreError(unusable(db.location, exc)) from None
    finally:
        db.close()


def set_meta(db: Database, values: dict[str, str]) -> None:
    db.executemany("INSERT INTO index_meta (key, value) VALUES (?, ?)"
                   " ON CONFLICT(key) DO UPDATE SET value=excluded.value", list(values.items()))


def add_missing_columns(db: Database, table: str, columns: Iterable[str]) -> None:
    """A store written by an older release lacks the columns added since: add them."""
    existing = db.columns(table)
    for name in columns:
        if name not in existing:
            db.add_column(table, name)


def _column_value(value: Any) -> Any:
    """Lists and dicts are stored as JSON text."""
    return json.dumps(value) if isinstance(value, (list, dict)) else value


#: index_meta keys of the last settle (ArticleStore.restate).
_SETTLED_AT, _SETTLED_AGGREGATORS = "settled_at", "settled_aggregator_sites"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ArticleStore:
    """Writes articles and keeps the stories table in step with them."""

    def __init__(self, db: Database, fields: Sequence[str]) -> None:
        self.db = db
        self.fields = list(fields)
        add_missing_columns(self.db, "articles", [*self.fields, "revised_at"])
        self.db.create_schema(  # after the column: a store of an older release lacks it
            "CREATE INDEX IF NOT EXISTS articles_revised ON articles (revised_at);")

    def write(self, record: dict[str, Any], assignment: Assignment | None = None,
              index_pages: Iterable[IndexedPage] = ()) -> str:
        """Store one article, its story and the story index rows it changed, in one
        transaction: a crash or a failed write leaves all of them as they were. The
        assignment (pipelines.story_model) says what else the page changed: stories merged
        into its story, the canonical it replaced and why, other pages' similarities.

        Returns:
            "new", "updated" (the page's text changed since it was stored) or "unchanged".
        """
        story_id, canonical, url = record["story_id"], record["canonical_url"], record["url"]
        merged = assignment.merged if assignment else ()
        reason = assignment.canonical.reason if assignment else None
        previous_canonical = assignment.previous_canonical if assignment else None
        member_similarities = assignment.member_similarities if assignment else {}
        columns = ", ".join(self.fields)
        updates = ", ".join(f"{f}=excluded.{f}" for f in self.fields if f != "url")
        now = _now()
        with self.db.transaction():
            save_index_pages(self.db, index_pages)
            before = self.db.execute("SELECT text FROM articles WHERE url=?",
                                     (record["url"],)).fetchone()
            outcome = "new" if before is None else (
                "unchanged" if before[0] == record["text"] else "updated")
            self.db.execute(
                f"INSERT INTO articles ({columns}) VALUES ({', '.join('?' * len(self.fields))}) "
                f"ON CONFLICT(url) DO UPDATE SET {updates}",
                [_column_value(record.get(f)) for f in self.fields],
            )
            if story_id is None:
                return outcome
            if outcome == "updated":
                self._history(story_id, "page_updated", f"{record['url']} changed its text")
            # Other pages that a later page changes are marked revised_at (see revised_articles).
            for old in merged:
                self.db.execute("UPDATE articles SET story_id=?, revised_at=? WHERE story_id=?",
                                (story_id, now, old))
                self.db.execute("DELETE FROM stories WHERE story_id=?", (old,))
                self._history(story_id, "merged", f"story {old} merged into this story")
            if previous_canonical is not None:
                self._history(story_id, "canonical_changed",
                              f"{previous_canonical} -> {canonical} ({reason})")
            self._revise_members(story_id, canonical, member_similarities, now, but=url)
            self._update_story(story_id, canonical, reason, record)
        return outcome

    def restate(self, settlement: Settlement) -> int:
        """Store what StoryIndex.settle decided, in one transaction: the stories' canonicals
        chosen again, and when that was and which sites were aggregators then (read back by
        StoreIndexBackend.unsettled). Returns how many stories' stored canonical changed."""
        changed = 0
        now = _now()
        with self.db.transaction():
            for story in settlement.restatements:
                row = self.db.execute("SELECT canonical_url FROM stories WHERE story_id=?",
                                      (story.story_id,)).fetchone()
                if row is None or row[0] == story.canonical.url:
                    continue
                changed += 1
                self._history(story.story_id, "canonical_changed",
                              f"{row[0]} -> {story.canonical.url} ({story.canonical.reason})")
                self._revise_members(story.story_id, story.canonical.url,
                                     story.member_similarities, now)
                self._update_story(story.story_id, story.canonical.url, story.canonical.reason, {})
            set_meta(self.db, {_SETTLED_AT: now, _SETTLED_AGGREGATORS:
                               json.dumps(sorted(settlement.aggregator_sites))})
        return changed

    def _revise_members(self, story_id: str, canonical: str, similarities: Mapping[str, float],
                        now: str, but: str = "") -> None:
        """The story's pages (but the one being written) get its canonical and their
        similarity to it, and are marked revised_at when that changes (see revised_articles)."""
        self.db.execute(
            "UPDATE articles SET canonical_url=?, revised_at=? WHERE story_id=? AND url<>?"
            " AND (canonical_url IS NULL OR canonical_url<>?)",
            (canonical, now, story_id, but, canonical))
        if similarities:
            self.db.executemany(
                "UPDATE articles SET similarity=?, revised_at=? WHERE url=?"
                " AND (similarity IS NULL OR similarity<>?)",
                [(s, now, u, s) for u, s in sorted(similarities.items())])

    def _update_story(self, story_id: str, canonical: str, reason: str | None,
                      record: dict[str, Any]) -> None:
        copies, first_seen = self.db.execute(
            "SELECT COUNT(*), MIN(fetched_at) FROM articles WHERE story_id=?", (story_id,)
        ).fetchone()
        row = self.db.execute("SELECT title FROM articles WHERE url=?", (canonical,)).fetchone()
        title = row[0] if row else record.get("title")
        self.db.execute(
            "INSERT INTO stories (story_id, canonical_url, canonical_reason, title, first_seen,"
            " copies, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(story_id) DO UPDATE SET"
            " canonical_url=excluded.canonical_url, canonical_reason=excluded.canonical_reason,"
            " title=COALESCE(excluded.title, stories.title), copies=excluded.copies,"
            " first_seen=CASE WHEN excluded.first_seen < stories.first_seen"
            " THEN excluded.first_seen ELSE stories.first_seen END,"
            " updated_at=excluded.updated_at",
            (story_id, canonical, reason, title, first_seen, copies, _now()),
        )

    def _history(self, story_id: str, event: str, detail: str) -> None:
        self.db.execute(
            "INSERT INTO story_history (story_id, at, event, detail) VALUES (?, ?, ?, ?)",
            (story_id, _now(), event, detail),
        )


def iter_articles(db: Database, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The stored articles in the output schema, by story then URL; lists decoded."""
    yield from _records(db, fields, "")


def revised_articles(db: Database, fields: Sequence[str], since: str
                     ) -> Iterator[dict[str, Any]]:
    """The stored articles whose story_id, canonical_url or similarity a later page changed
    at `since` (ISO 8601 UTC, as the store writes times) or after, by story then URL."""
    yield from _records(db, fields, "WHERE revised_at >= ?", (since,))


def _records(db: Database, fields: Sequence[str], where: str, params: Sequence[Any] = ()
             ) -> Iterator[dict[str, Any]]:
    columns = ", ".join(fields)
    for row in db.stream(f"SELECT {columns} FROM articles {where} ORDER BY story_id, url",
                         params):
        record = dict(zip(fields, row, strict=True))
        if isinstance(record.get("embeds"), str):
            record["embeds"] = json.loads(record["embeds"])
        yield record


_INDEX_COLUMNS = ("site", "credited_to", "aliases", "seen_at", "on_crawled_site", "bands",
                  "url_key")


class StoreIndexBackend:
    """Persists the story index in the store (the dedup stage's IndexBackend), and gives
    back the shingle hashes of pages the index does not keep in memory (HashArchive)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def check(self, fingerprint: dict[str, str], derived_scheme: str | None = None) -> bool:
        """Record the index's parameters, or refuse an index built with other ones.

        Returns:
            True when the stored band and URL keys were made under `derived_scheme` (or none
            are stored), False when they must be computed again from the stored hashes.

        Raises:
            StoreError: naming the file, the mismatch and what to do.
        """
        add_missing_columns(self.db, "story_index", _INDEX_COLUMNS)
        self.db.create_schema(  # after the columns: a store of an older release lacks seen_at
            "CREATE INDEX IF NOT EXISTS story_index_seen ON story_index (seen_at);"
            "CREATE INDEX IF NOT EXISTS story_index_story ON story_index (story_id);"
            "CREATE INDEX IF NOT EXISTS stories_updated ON stories (updated_at);")
        stored = {key: value for key, value in self.db.execute("SELECT key, value FROM index_meta")}
        has_pages = self.db.execute("SELECT 1 FROM story_index LIMIT 1").fetchone() is not None
        mismatch = {k: (stored.get(k), v) for k, v in fingerprint.items() if stored.get(k) != v}
        if mismatch and has_pages:
            details = ", ".join(f"{k}: stored {old!r}, now {new!r}" for k, (old, new) in mismatch.items())
            raise StoreError(
                f"the story index in {self.db.location} was built with other parameters ({details}); "
                f"restore the old settings, or {new_store_hint(self.db.location)}"
            )
        keys_current = not has_pages or stored.get("derived_scheme") == derived_scheme
        meta = dict(fingerprint)
        if derived_scheme is not None and not has_pages:
            meta["derived_scheme"] = derived_scheme
        with self.db.transaction():
            set_meta(self.db, meta)
        return keys_current

    def load(self, seen_since: str | None = None, hashes: bool = False,
             bands: bool = True) -> Iterator[IndexedPage]:
        """The stored pages; with `seen_since` (ISO 8601), only the pages of stories that had
        a page indexed since then (the retention window). Shingle hashes come with a page
        when `hashes` is set or its band keys are missing (or not wanted: `bands` unset, so
        band and URL keys are left to compute)."""
        window = ""
        if seen_since is not None:
            window = (" WHERE story_id IN (SELECT story_id FROM story_index"
                      " WHERE seen_at >= ?)")
        stored_keys = "bands, url_key" if bands else "NULL, NULL"
        stored_hashes = ("COALESCE((SELECT s.hashes FROM story_shingles s"
                         " WHERE s.url = story_index.url), hashes)")
        want_hashes = (stored_hashes if hashes or not bands
                       else f"CASE WHEN bands IS NULL OR url_key IS NULL THEN {stored_hashes} END")
        rows = self.db.stream(
            f"SELECT url, story_id, {want_hashes}, published, source_url, site, credited_to,"
            f" aliases, on_crawled_site, {stored_keys} FROM story_index{window}"
            f" ORDER BY {self.db.insertion_order}",
            (seen_since,) if seen_since else (),
        )
        for (url, story_id, hash_bytes, published, source_url, site, credited_to, aliases,
             crawled, band_bytes, key) in rows:
            try:
                alias_list = tuple(json.loads(aliases)) if aliases and aliases != "[]" else ()
                page_hashes = _uint64s(hash_bytes, "shingle hashes")
                page_bands = _uint64s(band_bytes, "band keys")
            except ValueError as exc:
                raise StoreError(
                    f"corrupt story index entry for {url} in {self.db.location} ({exc}); "
                    f"{new_store_hint(self.db.location)}"
                ) from None
            # Site names repeat on every page of a site: one string object each.
            facts = PageFacts(published, source_url, site and sys.intern(site), credited_to,
                              crawled != 0)
            yield IndexedPage(url, story_id, facts, alias_list, page_hashes, page_bands, key)

    def unsettled(self) -> tuple[dict[str, str], list[str] | None]:
        """What the last StoryIndex.settle stored (ArticleStore.restate) leaves to check: the
        stories changed since -> their stored canonical URL, and the aggregator sites then.
        With no settle recorded (a first crawl that stopped before it settled, a store of an
        older release), every story and no sites."""
        meta = dict(self.db.execute("SELECT key, value FROM index_meta WHERE key IN (?, ?)",
                                    (_SETTLED_AT, _SETTLED_AGGREGATORS)).fetchall())
        if _SETTLED_AT not in meta:
            return dict(self.db.execute("SELECT story_id, canonical_url FROM stories")), None
        changed = dict(self.db.execute(
            "SELECT story_id, canonical_url FROM stories WHERE updated_at >= ?",
            (meta[_SETTLED_AT],)).fetchall())
        return changed, json.loads(meta.get(_SETTLED_AGGREGATORS) or "[]")

    def hashes(self, urls: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(urls), 500):
            chunk = urls[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT url, hashes FROM story_shingles WHERE url IN ({marks}) UNION ALL"
                f" SELECT url, hashes FROM story_index WHERE url IN ({marks}) AND LENGTH(hashes) > 0",
                [*chunk, *chunk])
            for url, blob in rows:
                if isinstance(blob, bytes) and blob and len(blob) % 8 == 0:
                    found.setdefault(url, np.frombuffer(blob, dtype="<u8").astype(np.uint64))
        return found

    def save(self, pages: Iterable[IndexedPage], derived_scheme: str | None = None) -> None:
        """Save index rows; with `derived_scheme`, record that every stored band and URL key
        was made under it."""
        with self.db.transaction():
            save_index_pages(self.db, pages)
            if derived_scheme is not None:
                set_meta(self.db, {"derived_scheme": derived_scheme})


def _uint64s(blob: object, what: str) -> np.ndarray | None:
    if blob is None:
        return None
    if not isinstance(blob, bytes) or len(blob) % 8:
        raise ValueError(f"{what} are not 64-bit values")
    return np.frombuffer(blob, dtype="<u8").astype(np.uint64, copy=False)


def save_index_pages(db: Database, pages: Iterable[IndexedPage]) -> None:
    """Upsert story index rows (inside the caller's transaction); a row without hashes only
    moves its page to another story."""
    columns = ("url, story_id, hashes, published, source_url, site, credited_to, aliases,"
               " seen_at, on_crawled_site, bands, url_key")
    updates = ", ".join(f"{c}=excluded.{c}" for c in columns.split(", ")[1:])
    now = _now()
    full, moved, shingles = [], [], []
    for p in pages:
        if p.hashes is None:
            moved.append((p.story_id, now, p.url))
            continue
        shingles.append((p.url, p.hashes.astype("<u8").tobytes()))
        full.append((p.url, p.story_id, b"", p.facts.published,
                     p.facts.source_url, p.facts.site, p.facts.credited_to,
                     json.dumps(p.aliases), now, int(p.facts.on_crawled_site),
                     None if p.bands is None else p.bands.astype("<u8").tobytes(), p.url_key))
    db.executemany(
        f"INSERT INTO story_index ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        f" ON CONFLICT(url) DO UPDATE SET {updates}", full)
    db.executemany("UPDATE story_index SET story_id=?, seen_at=? WHERE url=?", moved)
    db.executemany("INSERT INTO story_shingles (url, hashes) VALUES (?, ?)"
                   " ON CONFLICT(url) DO UPDATE SET hashes=excluded.hashes", shingles)

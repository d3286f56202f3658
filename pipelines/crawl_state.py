"""What earlier crawls left in the store that the next crawl needs: the article pages
already stored (not fetched again), the pages remembered as yielding no article (not
fetched again until their retry date) and the HTTP validators of listing pages, feeds and
sitemaps (asked for again only if they changed)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

_SCHEMA = """
CREATE TABLE IF NOT EXISTS http_validators (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, saved_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS crawl_marks (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS remembered_pages (
    url TEXT PRIMARY KEY, reason TEXT NOT NULL, seen_at TEXT NOT NULL, retry_after TEXT NOT NULL
);
"""


def stored_articles(db: sqlite3.Connection) -> dict[str, str]:
    """URL -> when it was fetched, for every stored article and the URLs redirecting to one."""
    fetched = dict(db.execute("SELECT url, fetched_at FROM articles").fetchall())
    for url, aliases in db.execute("SELECT url, aliases FROM story_index WHERE aliases != '[]'"):
        for alias in json.loads(aliases or "[]"):
            if url in fetched:
                fetched.setdefault(alias, fetched[url])
    return fetched


def unfetched_sources(db: sqlite3.Connection, stored: dict[str, str]) -> dict[str, str]:
    """Stored copy URL -> the source it cites, for sources not in the store: a crawl that
    stopped after storing a copy but before fetching its original (a failed write, a kill)
    leaves these, and the next run, which skips the stored copy, follows them instead."""
    rows = db.execute("SELECT url, source_url FROM articles WHERE source_url IS NOT NULL")
    return {url: source for url, source in rows if source not in stored}


def load_validators(db: sqlite3.Connection) -> dict[str, tuple[str | None, str | None]]:
    """URL -> (ETag, Last-Modified) saved by the last crawl that finished."""
    db.executescript(_SCHEMA)
    rows = db.execute("SELECT url, etag, last_modified FROM http_validators")
    return {url: (etag, modified) for url, etag, modified in rows}


def save_validators(db: sqlite3.Connection,
                    validators: Iterable[tuple[str, str | None, str | None]]) -> None:
    db.executescript(_SCHEMA)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    db.execute("BEGIN IMMEDIATE")
    db.executemany(
        "INSERT OR REPLACE INTO http_validators (url, etag, last_modified, saved_at)"
        " VALUES (?, ?, ?, ?)", [(url, etag, modified, now) for url, etag, modified in validators])
    db.execute("COMMIT")


def remembered_pages(db: sqlite3.Connection) -> dict[str, str]:
    """URL -> why it yielded no article, for the pages not due for another try yet."""
    db.executescript(_SCHEMA)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return dict(db.execute("SELECT url, reason FROM remembered_pages WHERE retry_after > ?",
                           (now,)).fetchall())


def remember_pages(db: sqlite3.Connection, pages: Iterable[tuple[str, str]],
                   retry_days: float) -> None:
    """Remember pages that yielded no article (URL, reason) until `retry_days` from now."""
    db.executescript(_SCHEMA)
    now = datetime.now(UTC)
    retry = (now + timedelta(days=retry_days)).isoformat(timespec="seconds")
    db.execute("BEGIN IMMEDIATE")
    db.executemany(
        "INSERT OR REPLACE INTO remembered_pages (url, reason, seen_at, retry_after)"
        " VALUES (?, ?, ?, ?)",
        [(url, reason, now.isoformat(timespec="seconds"), retry) for url, reason in pages])
    db.execute("COMMIT")


def last_walk_finished(db: sqlite3.Connection) -> bool:
    """True when the last crawl on this store finished (not interrupted, not failed)."""
    db.executescript(_SCHEMA)
    row = db.execute("SELECT value FROM crawl_marks WHERE key='last_walk_finished'").fetchone()
    return row is not None and row[0] == "1"


def record_walk(db: sqlite3.Connection, finished: bool) -> None:
    db.executescript(_SCHEMA)
    db.execute("INSERT OR REPLACE INTO crawl_marks (key, value) VALUES ('last_walk_finished', ?)",
               ("1" if finished else "0",))


def is_newer(lastmod: str | None, fetched_at: str) -> bool:
    """True when a feed or sitemap date says the page changed after it was fetched."""
    if not lastmod:
        return False
    try:
        changed = datetime.fromisoformat(lastmod.replace("Z", "+00:00"))
        fetched = datetime.fromisoformat(fetched_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    if changed.tzinfo is None:
        changed = changed.replace(tzinfo=UTC)
    if fetched.tzinfo is None:
        fetched = fetched.replace(tzinfo=UTC)
    return changed > fetched

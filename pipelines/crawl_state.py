"""What earlier crawls left in the store that the next crawl needs: the article pages
already stored (not fetched again) and the HTTP validators of listing pages, feeds and
sitemaps (asked for again only if they changed)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime

_SCHEMA = """
CREATE TABLE IF NOT EXISTS http_validators (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, saved_at TEXT NOT NULL
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

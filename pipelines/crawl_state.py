"""What earlier crawls left in the store that the next crawl needs: the article pages
already stored (not fetched again), the pages remembered as yielding no article (not
fetched again until their retry date) and the HTTP validators of listing pages, feeds and
sitemaps (asked for again only if they changed)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from pipelines.databases import Database


def stored_articles(db: Database) -> dict[str, str]:
    """URL -> when it was fetched, for every stored article and the URLs redirecting to one."""
    fetched = {url: at for url, at in db.stream("SELECT url, fetched_at FROM articles")}
    for url, aliases in db.execute("SELECT url, aliases FROM story_index WHERE aliases != '[]'"):
        for alias in json.loads(aliases or "[]"):
            if url in fetched:
                fetched.setdefault(alias, fetched[url])
    return fetched


def unfetched_sources(db: Database, stored: dict[str, str]) -> dict[str, str]:
    """Stored copy URL -> the source it cites, for sources not in the store: a crawl that
    stopped after storing a copy but before fetching its original (a failed write, a kill)
    leaves these, and the next run, which skips the stored copy, follows them instead."""
    rows = db.execute("SELECT url, source_url FROM articles WHERE source_url IS NOT NULL")
    return {url: source for url, source in rows if source not in stored}


def load_validators(db: Database) -> dict[str, tuple[str | None, str | None]]:
    """URL -> (ETag, Last-Modified) saved by the last crawl that finished."""
    rows = db.execute("SELECT url, etag, last_modified FROM http_validators")
    return {url: (etag, modified) for url, etag, modified in rows}


def save_validators(db: Database,
                    validators: Iterable[tuple[str, str | None, str | None]]) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with db.transaction():
        db.executemany(
            "INSERT INTO http_validators (url, etag, last_modified, saved_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET etag=excluded.etag,"
            " last_modified=excluded.last_modified, saved_at=excluded.saved_at",
            # In URL order: two workers saving at once lock rows in one order (no deadlock).
            sorted((url, etag, modified, now) for url, etag, modified in validators))


def remembered_pages(db: Database) -> dict[str, str]:
    """URL -> why it yielded no article, for the pages not due for another try yet."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rows = db.execute("SELECT url, reason FROM remembered_pages WHERE retry_after > ?", (now,))
    return {url: reason for url, reason in rows}


def remember_pages(db: Database, pages: Iterable[tuple[str, str]],
                   retry_days: float) -> None:
    """Remember pages that yielded no article (URL, reason) until `retry_days` from now."""
    now = datetime.now(UTC)
    retry = (now + timedelta(days=retry_days)).isoformat(timespec="seconds")
    with db.transaction():
        db.executemany(
            "INSERT INTO remembered_pages (url, reason, seen_at, retry_after) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET reason=excluded.reason, seen_at=excluded.seen_at,"
            " retry_after=excluded.retry_after",
            sorted((url, reason, now.isoformat(timespec="seconds"), retry)
                   for url, reason in pages))


def last_walk_finished(db: Database) -> bool:
    """True when the last crawl on this store finished (not interrupted, not failed)."""
    row = db.execute("SELECT value FROM crawl_marks WHERE key='last_walk_finished'").fetchone()
    return row is not None and row[0] == "1"


def record_walk(db: Database, finished: bool) -> None:
    db.execute("INSERT INTO crawl_marks (key, value) VALUES ('last_walk_finished', ?)"
               " ON CONFLICT(key) DO UPDATE SET value=excluded.value", ("1" if finished else "0",))


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

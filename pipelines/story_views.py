"""The stories in a store, as a reader wants them: each with its original, its copies and
their evidence, newest first; and per-site copy rates. Plain functions over the store."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pipelines.databases import Database


@dataclass(frozen=True)
class Copy:
    url: str
    site: str | None
    title: str | None
    similarity: float | None
    source_url: str | None
    source_evidence: str | None
    credited_to: str | None
    published: str | None
    fetched_at: str
    is_original: bool


@dataclass(frozen=True)
class StoryView:
    story_id: str
    title: str | None
    canonical_url: str
    canonical_reason: str | None
    first_seen: str
    #: Every stored page of the story, the original first, then by when it was fetched.
    pages: tuple[Copy, ...] = field(default_factory=tuple)

    @property
    def copies(self) -> int:
        """Pages of the story other than its original."""
        return sum(1 for page in self.pages if not page.is_original)

    def as_record(self) -> dict[str, Any]:
        record = asdict(self)
        record["copies"] = self.copies
        return record


@dataclass(frozen=True)
class SiteRate:
    site: str
    pages: int
    #: Pages that copy a story first published elsewhere.
    copies: int

    @property
    def copy_rate(self) -> float:
        return self.copies / self.pages if self.pages else 0.0


def load_stories(db: Database, since: str | None = None, site: str | None = None,
                 min_copies: int = 0, story_id: str | None = None) -> list[StoryView]:
    """Stories newest first (by first seen), filtered: first seen at or after `since` (ISO
    8601), with a page on `site` (host or site name, case-insensitive), with at least
    `min_copies` copies, or the one story `story_id`."""
    where, params = [], []
    if since:
        where.append("s.first_seen >= ?")
        params.append(since)
    if story_id:
        where.append("s.story_id = ?")
        params.append(story_id)
    rows = db.execute(
        "SELECT s.story_id, s.title, s.canonical_url, s.canonical_reason, s.first_seen,"
        " a.url, a.site, a.title, a.similarity, a.source_url, a.source_evidence, a.credited_to,"
        " a.published, a.fetched_at FROM stories s JOIN articles a ON a.story_id = s.story_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY s.first_seen DESC, s.story_id, a.fetched_at, a.url", params)
    heads: dict[str, tuple[str | None, str, str | None, str]] = {}
    pages: dict[str, list[Copy]] = defaultdict(list)
    for (sid, title, canonical, reason, first_seen, url, page_site, page_title, similarity,
         source_url, evidence, credited_to, published, fetched_at) in rows:
        heads.setdefault(sid, (title, canonical, reason, first_seen))
        pages[sid].append(Copy(url, page_site, page_title, similarity, source_url, evidence,
                               credited_to, published, fetched_at, url == canonical))
    stories = []
    for sid, (title, canonical, reason, first_seen) in heads.items():
        ordered = sorted(pages[sid], key=lambda p: not p.is_original)  # stable: original first
        story = StoryView(sid, title, canonical, reason, first_seen, tuple(ordered))
        if story.copies < min_copies:
            continue
        if site and not any(_on_site(page, site) for page in story.pages):
            continue
        stories.append(story)
    return stories


def site_rates(stories: list[StoryView]) -> list[SiteRate]:
    """Per site, pages stored and how many are copies, most copying first."""
    pages: dict[str, int] = defaultdict(int)
    copies: dict[str, int] = defaultdict(int)
    for story in stories:
        for page in story.pages:
            name = host_of(page.url)
            pages[name] += 1
            copies[name] += not page.is_original
    rates = [SiteRate(name, pages[name], copies[name]) for name in pages]
    return sorted(rates, key=lambda r: (-r.copy_rate, -r.pages, r.site))


def host_of(url: str) -> str:
    """The URL's host without "www."."""
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _on_site(page: Copy, site: str) -> bool:
    wanted = site.lower().removeprefix("www.")
    return host_of(page.url) == wanted or (page.site or "").lower() == wanted

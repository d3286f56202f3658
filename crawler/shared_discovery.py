"""The spider's headline matcher (crawler.discovery), shared by crawl workers through Redis.

One worker may read a copy's headline and another the sitemap holding its original. Each
worker appends what it adds (headlines, sitemap entries) to a Redis list, then reads what
the others appended to the other list since it last looked. Of two matching items, the one
appended second is added by a worker that then reads the first: every match is found by at
least one worker (twice is harmless: the shared frontier fetches a page once).
"""

from __future__ import annotations

from typing import Any

from crawler.discovery import HeadlineMatcher


class SharedHeadlines:
    def __init__(self, server: Any, key: str, local: HeadlineMatcher) -> None:
        self.server = server
        self.local = local
        self.keys = {"headlines": f"{key}:headlines", "entries": f"{key}:entries"}
        self.read = {"headlines": 0, "entries": 0}  # list positions already taken in
        self.own: set[int] = set()  # positions of this worker's headlines

    def add_headline(self, headline: str) -> list[str]:
        """Remember a headline; returns the known entries (any worker's) it matches."""
        pushed, entries = self._push_then_read("headlines", [headline], "entries")
        self.own.add(pushed - 1)
        found = self.local.add_entries(entries)
        return sorted({*found, *self.local.add_headline(headline)})

    def add_entries(self, urls: list[str]) -> list[str]:
        """Remember sitemap entries; returns those matching a headline any worker saw."""
        if not urls:
            return []
        start = self.read["headlines"]
        _, headlines = self._push_then_read("entries", urls, "headlines")
        found: set[str] = set()
        for position, headline in enumerate(headlines, start):
            if position not in self.own:
                found.update(self.local.add_headline(headline))
        found.update(self.local.add_entries(urls))
        return sorted(found)

    def _push_then_read(self, mine: str, values: list[str], theirs: str) -> tuple[int, list[str]]:
        pipe = self.server.pipeline(transaction=False)
        pipe.rpush(self.keys[mine], *values)
        pipe.lrange(self.keys[theirs], self.read[theirs], -1)
        pushed, new = pipe.execute()
        self.read[theirs] += len(new)
        return int(pushed), [v.decode() if isinstance(v, bytes) else v for v in new]

    def clear(self) -> None:
        self.server.delete(*self.keys.values())

"""Finding originals nobody links: match copies' headlines to publishers' sitemap entries.

An aggregator often copies a story without a link, or links a reprint. The original is then
usually on a site the crawl already knows (one that other copies cite), under a URL whose
slug repeats the headline. `HeadlineMatcher` pairs the headlines of pages the spider has seen
with the sitemap entries of those sites; both may arrive in any order.
"""

from __future__ import annotations

import re
from collections import defaultdict
from urllib.parse import urlsplit

_WORD = re.compile(r"[^\W_]+")
_STOP_WORDS = frozenset(
    "a an the of to in on for and or is are was were be at by with from as after over into "
    "its it this that s says said html htm php aspx www com news".split()
)


def headline_words(text: str) -> frozenset[str]:
    """The distinctive words of a headline or of a URL slug."""
    return frozenset(
        w for w in _WORD.findall(text.lower())
        if w not in _STOP_WORDS and not w.isdigit() and len(w) > 1
    )


def slug_words(url: str) -> frozenset[str]:
    """Words of a URL's last path segment ("/2014/05/quake-hits-aceh.html")."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return headline_words(segments[-1].replace("-", " ").replace("_", " ")) if segments else frozenset()


def sitemap_entry(url: str, title: str | None = None) -> str:
    """A sitemap entry as the matcher takes it: the URL, then the headline a news sitemap
    gives it (a truer match than the slug, which may be an ID), after a tab. One string,
    so that crawl workers can share entries through Redis as they are."""
    return f"{url}\t{' '.join(title.split())}" if title else url


class HeadlineMatcher:
    """Pairs headlines with sitemap URLs whose slugs repeat them.

    A pair matches when they share at least `min_shared` words and those are at least
    `min_share` of the shorter word set (aggregators and slugs both truncate headlines).
    """

    def __init__(self, min_shared: int = 4, min_share: float = 0.8) -> None:
        if min_shared < 1 or not 0 < min_share <= 1:
            raise ValueError(f"bad matcher thresholds: {min_shared}, {min_share}")
        self.min_shared = min_shared
        self.min_share = min_share
        self._entries: dict[str, frozenset[str]] = {}
        self._entries_by_word: dict[str, set[str]] = defaultdict(set)
        self._headlines: list[frozenset[str]] = []
        self._headlines_by_word: dict[str, set[int]] = defaultdict(set)

    def add_headline(self, headline: str) -> list[str]:
        """Remember a headline; returns the known entries it matches."""
        words = headline_words(headline)
        if len(words) < self.min_shared:
            return []
        number = len(self._headlines)
        self._headlines.append(words)
        for word in words:
            self._headlines_by_word[word].add(number)
        candidates = set().union(*(self._entries_by_word.get(w, set()) for w in words))
        return sorted(url for url in candidates if self._matches(words, self._entries[url]))

    def add_entries(self, entries: list[str]) -> list[str]:
        """Remember sitemap entries (as sitemap_entry writes them); returns the URLs of
        those that match a known headline."""
        found = []
        for entry in entries:
            url, _, title = entry.partition("\t")
            words = headline_words(title) if title else slug_words(url)
            if url in self._entries or len(words) < self.min_shared:
                continue
            self._entries[url] = words
            for word in words:
                self._entries_by_word[word].add(url)
            numbers = set().union(*(self._headlines_by_word.get(w, set()) for w in words))
            if any(self._matches(self._headlines[n], words) for n in numbers):
                found.append(url)
        return found

    def _matches(self, headline: frozenset[str], slug: frozenset[str]) -> bool:
        shared = len(headline & slug)
        return shared >= self.min_shared and shared >= self.min_share * min(len(headline), len(slug))

"""Story index: merges republished copies into stories. The only module importing datasketch.

Each text is cut into overlapping windows of shingles; every window gets a MinHash in a
MinHashLSH, so a partial copy (a few paragraphs of a long article) finds its original
through the windows they share. Candidates are then verified on exact shingle sets:
`overlap` = shared shingles / shingles of the shorter text. A page joins the story whose
pages cover most of its text; the ids of existing stories never change except when a new
page proves two stories are one (the older id survives).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace
from itertools import pairwise

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from crawler.urls import site_of, url_key
from pipelines.canonical import Canonical, Member, choose_canonical
from pipelines.shingles import Hashes, overlap_count, shingle_hashes, tokenize
from pipelines.story_model import (
    MINHASH_SCHEME,
    Assignment,
    DedupOptions,
    IndexBackend,
    IndexedPage,
    PageFacts,
)

__all__ = ["Assignment", "DedupOptions", "IndexBackend", "IndexedPage", "PageFacts", "StoryIndex"]

MIN_MATCH_SHINGLES = 5
# A site needs this many indexed pages before its citing share can call it an aggregator.
AGGREGATOR_MIN_PAGES = 3


class StoryIndex:
    def __init__(self, options: DedupOptions) -> None:
        self.options = options
        self._lsh = MinHashLSH(threshold=options.lsh_threshold, num_perm=options.num_perm)
        self._scratch = MinHash(num_perm=options.num_perm, seed=options.seed,
                                hashfunc=_identity, scheme=MINHASH_SCHEME)
        self.pages: dict[str, IndexedPage] = {}
        self._windows: dict[str, int] = {}
        self._members: dict[str, list[str]] = {}
        self._canonical: dict[str, Canonical] = {}
        self.source_of: dict[str, str] = {}
        self._order: dict[str, int] = {}  # url -> arrival number, to tell older stories
        # Per site: pages indexed, and pages that cite a source on another site. A site whose
        # pages mostly cite others is an aggregator, never a story's original if avoidable.
        self._site_pages: Counter[str] = Counter()
        self._site_citing: Counter[str] = Counter()
        self._crawled_sites: set[str] = set()
        self._by_key: dict[str, str] = {}  # url_key of a page or alias -> indexed page URL

    def __len__(self) -> int:
        return len(self.pages)

    def story_of(self, url: str) -> str | None:
        page = self.pages.get(url)
        return page.story_id if page else None

    def story_ids(self) -> list[str]:
        return list(self._members)

    def members(self, story_id: str) -> list[str]:
        return list(self._members.get(story_id, ()))

    def canonical_url(self, story_id: str) -> str | None:
        """The URL of the story's original, as the index stands now."""
        canonical = self._canonical.get(story_id)
        return canonical.url if canonical else None

    def similarity_to_canonical(self, url: str) -> float:
        """Overlap of the page's text with its story's original (shared shingles / shingles
        of the shorter text); 1.0 for the original itself."""
        page = self.pages[url]
        original = self.pages.get(self.canonical_url(page.story_id) or "")
        if original is None or original.url == url:
            return 1.0
        shorter = min(original.shingles.size, page.shingles.size) or 1
        return round(overlap_count(original.shingles, page.shingles) / shorter, 4)

    def load(self, pages: Iterable[IndexedPage]) -> None:
        """Restore pages saved earlier, keeping their story ids."""
        for page in pages:
            self._insert(page)
        for story_id in self._members:
            self._canonical[story_id] = self._choose_canonical(story_id)

    def add(self, url: str, text: str, facts: PageFacts = PageFacts(),
            aliases: Iterable[str] = ()) -> tuple[Assignment, list[IndexedPage]]:
        """Assign a page to a story; returns the assignment and the pages whose stored
        state changed (to persist)."""
        hashes = shingle_hashes(tokenize(text), self.options.shingle_words)
        previous = self.pages.get(url)
        if previous is not None:
            self._remove(previous)
        probe = IndexedPage(url, "", hashes, facts, tuple(a for a in aliases if a != url))
        windows = self._window_signatures(hashes)
        matches = self._verified_matches(probe, windows)
        preferred = previous.story_id if previous else None
        story_id, similarity, merged = self._choose_story(
            matches, preferred, self._story_of_cited(facts.source_url))
        new_story = story_id is None
        if story_id is None:
            story_id = preferred or _story_id(url)
            similarity = 1.0
        changed = [replace(probe, story_id=story_id)]
        for other in merged:
            for member in self._members.pop(other, []):
                self.pages[member].story_id = story_id
                self._members.setdefault(story_id, []).append(member)
                changed.append(self.pages[member])
            self._canonical.pop(other, None)
        self._insert(changed[0], windows)
        before = self._canonical.get(story_id)
        canonical = self._canonical[story_id] = self._choose_canonical(story_id)
        moved_from = before.url if before is not None and before.url != canonical.url else None
        original = self.pages.get(canonical.url)
        if original is not None and original.url != url and original.shingles.size:
            # Similarity to the story's canonical text, when that page is indexed.
            shorter = min(original.shingles.size, changed[0].shingles.size) or 1
            similarity = overlap_count(original.shingles, changed[0].shingles) / shorter
        assignment = Assignment(story_id, round(similarity, 4), canonical, new_story,
                                tuple(merged), moved_from)
        return assignment, changed

    def _verified_matches(self, probe: IndexedPage, windows: list[LeanMinHash]
                          ) -> dict[str, tuple[float, float]]:
        """story id -> (share of the probe's shingles the story's pages hold, best overlap)."""
        if probe.shingles.size == 0:
            return {}
        candidates: set[str] = set()
        for window in windows:
            candidates.update(key.rsplit("#", 1)[0] for key in self._lsh.query(window))
        matches: dict[str, tuple[float, float]] = {}
        for url in sorted(candidates):
            page = self.pages.get(url)
            if page is None or page.url == probe.url:
                continue
            overlap = self._verify(probe, page)
            if overlap is None:
                continue
            shared = overlap * min(probe.shingles.size, page.shingles.size)
            coverage = shared / probe.shingles.size
            best = matches.get(page.story_id, (0.0, 0.0))
            matches[page.story_id] = (max(best[0], coverage), max(best[1], overlap))
        return matches

    def _verify(self, a: IndexedPage, b: IndexedPage) -> float | None:
        """The pair's overlap if one is a copy of the other (full, partial or edited)."""
        shorter, longer = sorted((a, b), key=lambda p: p.shingles.size)
        if shorter.shingles.size < MIN_MATCH_SHINGLES:
            return None  # a word or two is no evidence of copying
        shared = overlap_count(a.shingles, b.shingles)
        jaccard = shared / (a.shingles.size + b.shingles.size - shared)
        if shorter.shingles.size < self.options.min_shingles:
            # Short texts are formulaic: only a near-identical text is a copy.
            return shared / shorter.shingles.size if jaccard >= self.options.short_min_jaccard else None
        overlap = shared / shorter.shingles.size
        if overlap < self.options.min_overlap:
            return None
        if jaccard < self.options.full_copy_jaccard:
            # A partial copy keeps the original's lead; an article that quotes another
            # (or appends paragraphs of it) does not start where the quoted one starts.
            lead_share = overlap_count(longer.lead, shorter.shingles) / max(longer.lead.size, 1)
            if lead_share < self.options.min_lead_share:
                return None
        return overlap

    def _choose_story(self, matches: dict[str, tuple[float, float]], preferred: str | None,
                      cited: str | None) -> tuple[str | None, float, list[str]]:
        """The best matching story: the page's own earlier story, then the story of the page
        it cites (its text matching too), then the one covering most of its text, then the
        oldest. Other stories covering it as well are merged, unless the page named its
        source: then the shared text is the sources' common ground, not proof of one story."""
        if not matches:
            return None, 0.0, []
        ranked = sorted(matches, key=lambda s: (s != preferred, s != cited, -matches[s][0],
                                                -matches[s][1], self._age(s)))
        chosen = ranked[0]
        merged = [s for s in ranked[1:] if cited is None
                  and matches[s][0] >= self.options.merge_coverage
                  and matches[chosen][0] >= self.options.merge_coverage]
        if merged:
            # The oldest story's id survives a merge, so published ids stay stable.
            survivors = sorted([chosen, *merged], key=self._age)
            chosen, merged = survivors[0], survivors[1:]
        return chosen, matches[chosen][1], merged

    def _story_of_cited(self, source_url: str | None) -> str | None:
        """The story of the indexed page a source link names (through its variants and the
        URLs that redirect to it)."""
        if source_url is None:
            return None
        url = self._by_key.get(url_key(source_url))
        return self.pages[url].story_id if url in self.pages else None

    def _age(self, story_id: str) -> int:
        members = self._members.get(story_id)
        return self._order[members[0]] if members else -1

    def _insert(self, page: IndexedPage, windows: list[LeanMinHash] | None = None) -> None:
        self.pages[page.url] = page
        self._order.setdefault(page.url, len(self._order))
        self._members.setdefault(page.story_id, []).append(page.url)
        for url in (page.url, *page.aliases):
            self._by_key[url_key(url)] = page.url
        self._site_pages[site_of(page.url)] += 1
        if page.facts.on_crawled_site:
            self._crawled_sites.add(site_of(page.url))
        if page.facts.source_url:
            self.source_of[url_key(page.url)] = page.facts.source_url
            self._site_citing[site_of(page.url)] += 1
        for alias in page.aliases:
            self.source_of[url_key(alias)] = page.url
        if windows is None:
            windows = self._window_signatures(page.hashes)
        # Stored texts need only every other window (no overlap): any window of a query that
        # lies inside a stored text still shares three quarters of one stored window.
        stored = windows[::2] + windows[-1:] if len(windows) % 2 == 0 else windows[::2]
        with self._lsh.insertion_session() as session:
            for number, signature in enumerate(stored):
                session.insert(f"{page.url}#{number}", signature, check_duplication=False)
        self._windows[page.url] = len(stored)

    def _remove(self, page: IndexedPage) -> None:
        for number in range(self._windows.pop(page.url, 0)):
            self._lsh.remove(f"{page.url}#{number}")
        members = self._members.get(page.story_id, [])
        if page.url in members:
            members.remove(page.url)
        if not members:
            self._members.pop(page.story_id, None)
            self._canonical.pop(page.story_id, None)
        self._site_pages[site_of(page.url)] -= 1
        if page.facts.source_url:
            self._site_citing[site_of(page.url)] -= 1
        for url in (page.url, *page.aliases):
            self.source_of.pop(url_key(url), None)
            self._by_key.pop(url_key(url), None)
        del self.pages[page.url]

    def _choose_canonical(self, story_id: str) -> Canonical:
        pages = [self.pages[url] for url in self._members[story_id]]
        return choose_canonical(
            [Member(p.url, p.facts.published, p.facts.source_url, p.facts.site,
                    p.facts.credited_to) for p in pages],
            self.source_of,
            self.is_aggregator,
        )

    def is_aggregator(self, url: str) -> bool:
        """True for a crawled site (not one reached through source links) most of whose
        indexed pages cite a source elsewhere."""
        site = site_of(url)
        pages = self._site_pages[site]
        return (site in self._crawled_sites and pages >= AGGREGATOR_MIN_PAGES
                and self._site_citing[site] >= pages / 2)

    def _window_signatures(self, hashes: Hashes) -> list[LeanMinHash]:
        """MinHashes of overlapping windows (half a window apart) over the shingles."""
        size = self.options.window_shingles
        step = size // 2
        low32 = (hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        segments = []
        scratch = self._scratch  # reused: building a MinHash costs more than hashing 20 values
        for start in range(0, len(low32), step):
            scratch.clear()
            scratch.update_batch(low32[start : start + step])
            segments.append(scratch.hashvalues.copy())
        if len(segments) <= 1:
            pairs = segments
        else:
            pairs = [np.minimum(a, b) for a, b in pairwise(segments)]
        return [LeanMinHash(seed=self.options.seed, hashvalues=values, scheme=MINHASH_SCHEME)
                for values in pairs]


def _identity(value: int) -> int:
    return value


def _story_id(url: str) -> str:
    return "st-" + hashlib.blake2b(url.encode(), digest_size=8).hexdigest()

"""Story index: merges republished copies into stories.

Each text is cut into overlapping windows of shingles; every window gets a MinHash and its
LSH band keys (pipelines.signatures), so a partial copy (a few paragraphs of a long article)
finds its original through the windows they share. Candidates are then verified on exact
shingle sets: `overlap` = shared shingles / shingles of the shorter text. A page joins the
stories it verifies against, merged into one (the oldest id survives): a story is the pages
linked by verified copies, so the grouping does not depend on the order pages arrive in. The
ids of existing stories never change except in such a merge.

Memory: the index keeps per page its band keys (6-8 bytes each, pipelines.band_index), its
story and the facts the canonical choice needs. Shingle hashes, needed only to verify a
candidate, stay in memory when the index has no archive; with one (the store), only the
most recent pages' are kept and the others are read back when they become candidates.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from crawler.urls import URL_KEY_VERSION, site_of, url_key
from pipelines.band_index import BandTable
from pipelines.canonical import Canonical, Member, choose_canonical
from pipelines.heap import collector_paused, large_blocks_mapped, release_free_heap
from pipelines.shingles import Hashes, overlap_count, shingle_hashes, tokenize
from pipelines.signatures import Keys, WindowSigner
from pipelines.story_model import (
    LEAD_SHINGLES,
    Assignment,
    DedupOptions,
    HashArchive,
    IndexBackend,
    IndexedPage,
    PageFacts,
    Restatement,
    Settlement,
)

__all__ = ["Assignment", "DedupOptions", "HashArchive", "IndexBackend", "IndexedPage",
           "PageFacts", "Restatement", "Settlement", "StoryIndex"]

MIN_MATCH_SHINGLES = 5
# A site needs this many indexed pages before its citing share can call it an aggregator.
AGGREGATOR_MIN_PAGES = 3


@dataclass(frozen=True)
class _Text:
    """What verification compares: the distinct shingles and those of the lead, sorted; and
    the text's first OPENING_SHINGLES shingles in text order, as positions in `shingles`
    (one or two bytes each rather than eight, but for a text of over 65,536 shingles)."""

    shingles: Hashes
    lead: Hashes
    opening: np.ndarray

    @classmethod
    def of(cls, hashes: Hashes) -> _Text:
        shingles = np.unique(hashes)
        positions = np.searchsorted(shingles, hashes[:OPENING_SHINGLES])
        return cls(shingles, np.unique(hashes[:LEAD_SHINGLES]),
                   positions.astype(np.min_scalar_type(max(shingles.size - 1, 0))))


class _Entry:
    """An indexed page. Its facts are kept field by field, not as the PageFacts object they
    came in (one object less a page: 40 bytes)."""

    __slots__ = ("aliases", "copying", "credited_to", "key", "number", "on_crawled_site",
                 "order", "published", "site", "source_url", "story_id")

    def __init__(self, number: int, order: int, story_id: str, facts: PageFacts,
                 aliases: tuple[str, ...], key: str) -> None:
        self.number, self.order, self.story_id = number, order, story_id
        self.published, self.source_url, self.site = facts.published, facts.source_url, facts.site
        self.credited_to, self.on_crawled_site = facts.credited_to, facts.on_crawled_site
        self.aliases, self.key = aliases, key
        #: Counted in StoryIndex._site_copying (see there).
        self.copying = False

    @property
    def facts(self) -> PageFacts:
        return PageFacts(self.published, self.source_url, self.site, self.credited_to,
                         self.on_crawled_site)


class _StoryMembers:
    """Story id -> its pages' URLs, in arrival order. Most stories never get a second page:
    a one-page story keeps its URL alone, not in a list (64 bytes less a story)."""

    def __init__(self) -> None:
        self._by_story: dict[str, str | list[str]] = {}

    def __contains__(self, story_id: str) -> bool:
        return story_id in self._by_story

    def story_ids(self) -> list[str]:
        return list(self._by_story)

    def of(self, story_id: str) -> list[str]:
        urls = self._by_story.get(story_id)
        return [] if urls is None else [urls] if isinstance(urls, str) else list(urls)

    def first(self, story_id: str) -> str | None:
        urls = self._by_story.get(story_id)
        return urls if urls is None or isinstance(urls, str) else urls[0]

    def add(self, story_id: str, url: str) -> None:
        urls = self._by_story.get(story_id)
        if urls is None:
            self._by_story[story_id] = url
        elif isinstance(urls, str):
            self._by_story[story_id] = [urls, url]
        else:
            urls.append(url)

    def discard(self, story_id: str, url: str) -> None:
        left = [u for u in self.of(story_id) if u != url]
        if not left:
            self._by_story.pop(story_id, None)
        else:
            self._by_story[story_id] = left[0] if len(left) == 1 else left

    def pop(self, story_id: str) -> list[str]:
        urls = self.of(story_id)
        self._by_story.pop(story_id, None)
        return urls


@dataclass(frozen=True)
class _Citations:
    """How a page being added is linked to others by source links."""

    keys: set[str]  # its url_keys and its aliases': a page citing one of them copies it
    cited: str | None  # the indexed page it cites
    citers: set[str]  # indexed pages that cite it


#: Sources not indexed yet whose citing pages are remembered (about 150 bytes each): a
#: desk that runs for weeks must not keep one for every page whose source never comes.
CITERS_KEPT = 100_000
#: Of those, the most recent whose paragraphs are kept too (about 5 KB each): the copy rule
#: on paragraphs reads the citing page's, whichever of the two pages comes first.
CITER_PARAGRAPHS_KEPT = 10_000
#: Texts kept in memory when an archive holds the rest: enough for the pages a crawl has in
#: flight between this stage and the store (a page evicted before it is stored is only missed
#: as a candidate, never wrongly matched).
RECENT_TEXTS = 4096
#: Stored pages whose band keys are gathered at a time when the index is loaded.
LOAD_CHUNK = 8192


# A copy that starts with the other text's whole lead (this share of its first shingles)
# may carry up to a quarter of lines of its own (an editor's note, a correction, inserted
# links) and still be a copy. Chosen on partial copies of 60 synd-dev originals with a note
# inserted (46 -> 52 of 60 joined) against synd-dev's same-event pairs of different stories
# (27 -> 29 of 8,412 joined; 0.7 would join 55 and 32).
_WHOLE_LEAD = 0.9
_INSERTED_MIN_OVERLAP = 0.75
# A copy of the other text's opening paragraphs (a partial copy) may carry other lines
# too (a teaser, a bio, a note the cleanup kept): when what the two share is the longer
# text's opening, in one run (this share of its first shingles, as many as they share, up
# to OPENING_SHINGLES), that opening needs to be only this share of the shorter text.
# Chosen on partial copies of 60 synd-dev originals with 15, 30 and 60 words of another
# story added (joined 57/39/16 -> 60/57/39 of 60) against synd-dev's same-event pairs of
# different stories (29 -> 33 of 8,412 joined, all four between two stories whose texts are
# one wire text, joined already by other pages); 0.5 joins 60/59/50 and 33, 0.7 57/48/23.
OPENING_SHINGLES = 128
OPENING_MIN_OVERLAP = 0.6
OPENING_SHARE = 0.9
# A page that names the other as its source needs less: its own lines may outweigh the
# excerpt (an aggregator's excerpt with the teasers and comments the cleanup kept), and a
# page does not name as its source a story it merely quotes. Chosen on the same partial
# copies made to cite their original (30/60/100 words added: joined 86/54/28 -> 118/104/90
# of 120 at 0.3) against synd-dev's same-event pairs, one made to cite the other (89 of
# 5,390 joined at 0.6, and still 89 at 0.3, 0.2 and 0.1: the citation alone joins those).
CITED_OPENING_MIN_OVERLAP = 0.3


class StoryIndex:
    def __init__(self, options: DedupOptions, archive: HashArchive | None = None) -> None:
        self.options = options
        self.signer = WindowSigner(options.num_perm, options.seed, options.window_shingles,
                                   options.lsh_threshold)
        #: What the persisted band keys and URL keys were made with.
        self.derived_scheme = f"{self.signer.scheme}|{URL_KEY_VERSION}"
        self._bands = BandTable()
        self._archive = archive
        self._texts: OrderedDict[str, _Text] = OrderedDict()
        self._entries: dict[str, _Entry] = {}
        self._urls: list[str | None] = []  # page number -> URL (None once re-indexed)
        self._members = _StoryMembers()
        self._canonical: dict[str, Canonical] = {}  # filled when asked, dropped on change
        self.source_of: dict[str, str] = {}
        self._arrivals = 0
        # Per site: pages indexed, and pages that cite a source on another site. A site whose
        # pages mostly cite others is an aggregator, never a story's original if avoidable.
        self._site_pages: Counter[str] = Counter()
        self._site_citing: Counter[str] = Counter()
        # A crawled site's pages may copy without a link anyone understood: per site, its
        # pages that cite nothing but share a story with a page of a site reached only
        # through links (an original the crawl went to fetch); per story, its pages of such
        # sites. A site most of whose pages cite or copy so is an aggregator.
        self._site_copying: Counter[str] = Counter()
        self._offsite_pages: Counter[str] = Counter()
        self._crawled_sites: set[str] = set()
        self._by_key: dict[str, str] = {}  # url_key of a page or alias -> indexed page URL
        # url_key of a page not indexed yet -> the pages indexed this run that cite it.
        self._citers: dict[str, set[str]] = {}
        self._citer_paragraphs: OrderedDict[str, _Paragraphs] = OrderedDict()
        # Since the last settle(): story id -> the canonical URL last given for it; and the
        # sites that were aggregators then.
        self._given: dict[str, str] = {}
        self._aggregator_sites: set[str] = set()

    def __len__(self) -> int:
        return len(self._entries)

    def story_of(self, url: str) -> str | None:
        entry = self._entries.get(url)
        return entry.story_id if entry else None

    def story_ids(self) -> list[str]:
        return self._members.story_ids()

    def members(self, story_id: str) -> list[str]:
        return self._members.of(story_id)

    def canonical_url(self, story_id: str) -> str | None:
        """The URL of the story's original, as the index stands now."""
        return self._canonical_of(story_id).url if story_id in self._members else None

    def similarity_to_canonical(self, url: str) -> float:
        """Overlap of the page's text with its story's original (shared shingles / shingles
        of the shorter text); 1.0 for the original itself."""
        canonical = self.canonical_url(self._entries[url].story_id)
        if canonical is None or canonical == url or canonical not in self._entries:
            return 1.0
        texts = self._texts_of([url, canonical])
        if len(texts) < 2:
            return 1.0
        return round(_overlap(texts[url], texts[canonical]), 4)

    def load(self, pages: Iterable[IndexedPage]) -> list[IndexedPage]:
        """Restore pages saved earlier, keeping their story ids. Returns the pages whose band
        and URL keys were computed here (stored without them, or under other settings): to
        save."""
        computed: list[IndexedPage] = []
        large_blocks_mapped()
        with collector_paused():
            self._bands.bulk_load(self._loaded_chunks(pages, computed))
        release_free_heap()
        for story_id in list(self._offsite_pages):
            self._mark_copying(story_id, self._members.of(story_id))
        self._aggregator_sites = self._aggregators()
        return computed

    def _loaded_chunks(self, pages: Iterable[IndexedPage], computed: list[IndexedPage]
                       ) -> Iterator[tuple[np.ndarray, Keys]]:
        """Indexes `pages` and yields their band keys, LOAD_CHUNK pages at a time (the rows'
        buffers are freed chunk by chunk); pages whose keys it computed go to `computed`."""
        numbers: list[int] = []
        keys: list[Keys] = []
        for page in pages:
            bands, key = page.bands, page.url_key
            if bands is None or key is None:
                if page.hashes is None:
                    continue  # nothing to index it by
                bands, key = self.signer.keys(page.hashes).stored, url_key(page.url)
                computed.append(IndexedPage(page.url, page.story_id, page.facts, page.aliases,
                                            page.hashes, bands, key))
            entry = self._insert(page.url, page.story_id, page.facts, page.aliases, key=key)
            if page.hashes is not None and self._archive is None:
                self._texts[page.url] = _Text.of(page.hashes)
            numbers.append(entry.number)
            keys.append(bands)
            if len(keys) == LOAD_CHUNK:
                yield _bulk(numbers, keys)
                numbers, keys = [], []
        yield _bulk(numbers, keys)

    def add(self, url: str, text: str, facts: PageFacts = PageFacts(),
            aliases: Iterable[str] = ()) -> tuple[Assignment, list[IndexedPage]]:
        """Assign a page to a story; returns the assignment and the index rows it changed
        (to persist)."""
        hashes = shingle_hashes(tokenize(text), self.options.shingle_words)
        keys = self.signer.keys(hashes)
        aliases = tuple(a for a in aliases if a != url)
        previous = self._entries.get(url)
        previous_canonical = None
        if previous is not None:
            previous_canonical = self._canonical_of(previous.story_id).url
            self._remove(url)
        probe = _Text.of(hashes)
        citations = self._citations_of(url, aliases, facts.source_url)
        paragraphs = functools.cache(lambda: _paragraph_shingles(text, self.options.shingle_words))
        matches = self._verified_matches(url, probe, keys.query, citations, paragraphs)
        preferred = previous.story_id if previous else None
        story_id, similarity, merged = self._choose_story(matches)
        new_story = story_id is None
        if story_id is None:
            story_id = preferred or _story_id(url)
            similarity = 1.0
        before = (previous_canonical if story_id == preferred
                  else self._canonical_of(story_id).url if story_id in self._members else None)
        found_elsewhere = self._offsite_pages[story_id] > 0
        changed = [IndexedPage(url, story_id, facts, aliases, hashes, keys.stored, url_key(url))]
        moved: list[tuple[list[str], bool]] = []  # merged stories' pages, found elsewhere?
        for other in merged:
            members = self._members.pop(other)
            for member in members:
                entry = self._entries[member]
                entry.story_id = story_id
                self._members.add(story_id, member)
                changed.append(IndexedPage(member, story_id, entry.facts, entry.aliases))
            self._canonical.pop(other, None)
            moved.append((members, self._offsite_pages[other] > 0))
            self._offsite_pages[story_id] += self._offsite_pages.pop(other, 0)
        if facts.source_url and citations.cited is None:
            # Its source may come later: it is then verified against this page first.
            self._citers.setdefault(url_key(facts.source_url), set()).add(url)
            if len(self._citers) > CITERS_KEPT:  # the oldest wait longest: let them go
                del self._citers[next(iter(self._citers))]
            self._citer_paragraphs[url] = _Paragraphs.of(paragraphs())
            if len(self._citer_paragraphs) > CITER_PARAGRAPHS_KEPT:
                self._citer_paragraphs.popitem(last=False)
        entry = self._insert(url, story_id, facts, aliases,
                             previous.order if previous else None)
        self._mark_copying(story_id, self._pages_to_mark(story_id, url, found_elsewhere, moved))
        self._bands.add(entry.number, keys.stored)
        self._remember(url, probe)
        canonical = self._canonical_of(story_id)
        moved_from = before if before is not None and before != canonical.url else None
        if canonical.url != url and canonical.url in self._entries:
            # Similarity to the story's canonical text, when that page is indexed.
            original = self._texts_of([canonical.url]).get(canonical.url)
            if original is not None and original.shingles.size:
                similarity = _overlap(original, probe)
        if canonical.url == url:
            similarity = 1.0
        restated = {}
        if moved_from or merged or canonical.url == url:
            # The other pages were measured against another text: measure them again, so
            # that what is stored does not depend on the order the pages came in.
            restated = self._similarities_to(canonical.url, story_id, skip=url)
        for other in merged:
            self._given.pop(other, None)
        self._given[story_id] = canonical.url
        assignment = Assignment(story_id, round(similarity, 4), canonical, new_story,
                                tuple(merged), moved_from, restated)
        return assignment, changed

    def settle(self) -> Settlement:
        """Choose again the canonical of the stories whose original may have changed since the
        last call, and return those whose choice differs from the one given. A story's original
        depends on pages outside it: a site's pages filed later can make it an aggregator (or
        stop it being one), and its pages in stories filed earlier then lose (or win) the
        canonical. Called once a batch is filed (the end of a crawl, a desk with nothing
        waiting), it makes the stored canonicals those of the pages filed, in whatever order
        they came.

        Checked: every story given an assignment since the last call, and every story with a
        page on a site whose aggregator standing changed (found by a pass over the index,
        only when one did)."""
        aggregators = self._aggregators()
        flipped = aggregators ^ self._aggregator_sites
        self._aggregator_sites = aggregators
        checked = dict(self._given)
        if flipped:
            for entry in self._entries.values():
                if _site_of_key(entry.key) in flipped:
                    checked.setdefault(entry.story_id, "")
        self._given = {}
        restated = []
        for story_id, given in sorted(checked.items()):
            if story_id not in self._members:
                continue
            self._canonical.pop(story_id, None)
            canonical = self._canonical_of(story_id)
            if canonical.url != given:
                restated.append(Restatement(story_id, canonical,
                                            self._similarities_to(canonical.url, story_id, "")))
        return Settlement(restated, frozenset(aggregators))

    def resume(self, unsettled: Mapping[str, str], aggregator_sites: Iterable[str] | None
               ) -> None:
        """After load(): what the store says was not settled when the index was saved (a
        process stopped before it settled): stories changed since the last settle -> their
        stored canonical URL, and the aggregator sites of that settle (None: not recorded)."""
        self._given.update(unsettled)
        if aggregator_sites is not None:
            self._aggregator_sites = set(aggregator_sites)

    def _similarities_to(self, canonical_url: str, story_id: str, skip: str
                         ) -> dict[str, float]:
        """The story's pages (but `skip`) -> their similarity to the canonical page's text;
        empty while the canonical page is not indexed."""
        members = [m for m in self._members.of(story_id) if m != skip]
        if not members or canonical_url not in self._entries:
            return {}
        texts = self._texts_of([canonical_url, *members])
        original = texts.get(canonical_url)
        if original is None or not original.shingles.size:
            return {}
        return {m: 1.0 if m == canonical_url else round(_overlap(texts[m], original), 4)
                for m in members if m in texts}

    def _citations_of(self, url: str, aliases: Iterable[str], source_url: str | None
                      ) -> _Citations:
        keys = {url_key(url), *(url_key(a) for a in aliases)}
        cited = self._by_key.get(url_key(source_url)) if source_url else None
        citers = {c for key in keys for c in self._citers.pop(key, ()) if c in self._entries}
        return _Citations(keys, cited, citers)

    def _cites(self, candidate: str, citations: _Citations) -> bool:
        source = self._entries[candidate].source_url
        return candidate == citations.cited or (
            source is not None and url_key(source) in citations.keys)

    def _verified_matches(self, url: str, probe: _Text, query: Keys,
                          citations: _Citations | None = None,
                          paragraphs: Callable[[], Sequence[Hashes]] = tuple
                          ) -> dict[str, float]:
        """story id -> the best overlap of the probe with one of the story's pages.
        `paragraphs()` gives the probe's paragraphs' shingles when a check needs them."""
        if probe.shingles.size == 0:
            return {}
        citations = citations or _Citations(set(), None, set())
        # The pages citing this one, and the one it cites, are candidates even when their
        # band keys do not meet (a short excerpt shares no window with a long original).
        linked = citations.citers | ({citations.cited} if citations.cited else set())
        candidates = sorted(({u for n in self._bands.pages_sharing(query)
                              if (u := self._urls[n]) is not None} | linked) - {url})
        texts = self._texts_of(candidates)
        site = site_of(url)
        matches: dict[str, float] = {}
        for candidate in candidates:
            text = texts.get(candidate)
            if text is None:
                continue
            if candidate in citations.citers:
                # It names this page as its source: the paragraph rule reads its paragraphs,
                # as it did when a page came after the source it names.
                kept = self._citer_paragraphs.pop(candidate, None)
                overlap = self._verify(text, probe, True, kept.split if kept else tuple)
            else:
                overlap = self._verify(probe, text, self._cites(candidate, citations), paragraphs,
                                       same_site=self._site_of(candidate) == site)
            if overlap is None:
                continue
            story_id = self._entries[candidate].story_id
            matches[story_id] = max(matches.get(story_id, 0.0), overlap)
        return matches

    def _site_of(self, url: str) -> str:
        return _site_of_key(self._entries[url].key)

    def _verify(self, a: _Text, b: _Text, cited: bool = False,
                a_paragraphs: Callable[[], Sequence[Hashes]] = tuple,
                same_site: bool = False) -> float | None:
        """The pair's overlap if one is a copy of the other (full, partial or edited).
        `cited`: one page links the other as its source; then most of the shorter text
        found in the other is enough, however short or wherever it starts (an excerpt of a
        few sentences is a copy when it names its original; unnamed, it may be a brief that
        an article quotes), and so is a text made mostly of the other's paragraphs (a
        rewrite mixing in another article's paragraphs). Unnamed, such a text may be a
        publisher's own story quoting most of a short wire story, or a copy of one.
        `same_site`: both pages are of one site; unnamed, they are copies only when
        near-identical (DedupOptions.same_site_min_jaccard)."""
        shorter, longer = sorted((a, b), key=lambda t: t.shingles.size)
        if shorter.shingles.size < MIN_MATCH_SHINGLES:
            return None  # a word or two is no evidence of copying
        shared = overlap_count(a.shingles, b.shingles)
        if cited and shared >= self.options.min_overlap * shorter.shingles.size:
            return shared / shorter.shingles.size
        jaccard = shared / (a.shingles.size + b.shingles.size - shared)
        if same_site and not cited and jaccard < self.options.same_site_min_jaccard:
            return None  # what two pages of a site share is its template, unless near all
        if shorter.shingles.size < self.options.min_shingles:
            # Short texts are formulaic: only a near-identical text is a copy.
            return shared / shorter.shingles.size if jaccard >= self.options.short_min_jaccard else None
        overlap = shared / shorter.shingles.size
        if cited and shared > b.shingles.size / 2 and _mostly_paragraphs_of(a_paragraphs(), b):
            # Most of each text is the other's: a rewrite that mixes in another article's
            # paragraphs, or edits every paragraph a little, is still the majority's copy;
            # a copy of a mixed page's minor part is not the mixed page's story.
            return overlap
        if overlap >= self.options.min_overlap and jaccard >= self.options.full_copy_jaccard:
            return overlap
        lead_share = overlap_count(longer.lead, shorter.shingles) / max(longer.lead.size, 1)
        if overlap < self.options.min_overlap and not _copy_with_own_lines(
                overlap, lead_share, longer, shorter, shared, cited):
            return None
        if jaccard < self.options.full_copy_jaccard and lead_share < self.options.min_lead_share:
            # A partial copy keeps the original's lead; an article that quotes another
            # (or appends paragraphs of it) does not start where the quoted one starts.
            return None
        return overlap

    def _choose_story(self, matches: dict[str, float]) -> tuple[str | None, float, list[str]]:
        """Every story the page copies, or that copies it, is one story with it: the page
        joins the oldest and the others are merged into it (the oldest id survives, so
        published ids stay stable). A story is then the pages linked by verified copies,
        whatever order they came in: one process and several workers group alike."""
        if not matches:
            return None, 0.0, []
        chosen, *merged = sorted(matches, key=self._age)
        return chosen, max(matches.values()), merged

    def _age(self, story_id: str) -> int:
        first = self._members.first(story_id)
        return self._entries[first].order if first is not None else -1

    def _texts_of(self, urls: Sequence[str]) -> dict[str, _Text]:
        """The texts of indexed pages: from memory, else from the archive."""
        found = {u: self._texts[u] for u in urls if u in self._texts}
        missing = [u for u in urls if u not in found]
        if missing and self._archive is not None:
            for url, hashes in self._archive.hashes(missing).items():
                found[url] = self._remember(url, _Text.of(hashes))
        return found

    def _remember(self, url: str, text: _Text) -> _Text:
        self._texts[url] = text
        if self._archive is not None:
            self._texts.move_to_end(url)
            while len(self._texts) > RECENT_TEXTS:
                self._texts.popitem(last=False)
        return text

    def _insert(self, url: str, story_id: str, facts: PageFacts, aliases: tuple[str, ...],
                order: int | None = None, key: str | None = None) -> _Entry:
        key = key or url_key(url)
        number = len(self._urls)
        if order is None:
            order, self._arrivals = self._arrivals, self._arrivals + 1
        if order == number:  # as for every loaded page: one int object for both (32 bytes)
            order = number
        entry = _Entry(number, order, story_id, facts, aliases, key)
        self._urls.append(url)
        self._entries[url] = entry
        self._members.add(story_id, url)
        self._canonical.pop(story_id, None)
        self._by_key[key] = url
        site = _site_of_key(key)
        self._site_pages[site] += 1
        if facts.on_crawled_site:
            self._crawled_sites.add(site)
        else:
            self._offsite_pages[story_id] += 1
        if facts.source_url:
            self.source_of[key] = facts.source_url
            self._site_citing[site] += 1
        for alias in aliases:
            alias_key = url_key(alias)
            self._by_key[alias_key] = url
            self.source_of[alias_key] = url
        return entry

    def _remove(self, url: str) -> None:
        entry = self._entries.pop(url)
        self._bands.remove(entry.number)
        self._urls[entry.number] = None
        self._texts.pop(url, None)
        self._citer_paragraphs.pop(url, None)  # its text is replaced, or it is gone
        self._members.discard(entry.story_id, url)
        self._canonical.pop(entry.story_id, None)
        site = _site_of_key(entry.key)
        if entry.copying:
            self._site_copying[site] -= 1
        if not entry.on_crawled_site:
            self._offsite_pages[entry.story_id] -= 1
            if self._offsite_pages[entry.story_id] <= 0:
                del self._offsite_pages[entry.story_id]
                self._mark_copying(entry.story_id, self._members.of(entry.story_id))
        self._site_pages[site] -= 1
        if entry.source_url:
            self._site_citing[site] -= 1
        for key in (entry.key, *map(url_key, entry.aliases)):
            self.source_of.pop(key, None)
            self._by_key.pop(key, None)

    def _canonical_of(self, story_id: str) -> Canonical:
        canonical = self._canonical.get(story_id)
        if canonical is None:
            canonical = self._canonical[story_id] = self._choose_canonical(story_id)
        return canonical

    def _choose_canonical(self, story_id: str) -> Canonical:
        entries = [(url, self._entries[url]) for url in self._members.of(story_id)]
        return choose_canonical(
            [Member(url, e.published, e.source_url, e.site, e.credited_to)
             for url, e in entries],
            self.source_of,
            self.is_aggregator,
        )

    def is_aggregator(self, url: str) -> bool:
        """True for a crawled site (not one reached through source links) most of whose
        indexed pages cite a source elsewhere, or share their text with a page the crawl
        reached only through links (it copies what was first published elsewhere, whether
        or not its links were understood)."""
        return self._is_aggregator_site(site_of(url))

    def _is_aggregator_site(self, site: str) -> bool:
        pages = self._site_pages[site]
        return (site in self._crawled_sites and pages >= AGGREGATOR_MIN_PAGES
                and self._site_citing[site] + self._site_copying[site] >= pages / 2)

    def _mark_copying(self, story_id: str, urls: Iterable[str]) -> None:
        """Count, for its site, each of `urls` (pages of the story) that copies without
        citing: a crawled site's page in a story with a page of a site reached only through
        links."""
        elsewhere = self._offsite_pages[story_id] > 0
        for url in urls:
            entry = self._entries[url]
            copying = elsewhere and entry.on_crawled_site and not entry.source_url
            if copying != entry.copying:
                entry.copying = copying
                self._site_copying[_site_of_key(entry.key)] += 1 if copying else -1

    def _pages_to_mark(self, story_id: str, url: str, found_elsewhere: bool,
                       moved: list[tuple[list[str], bool]]) -> list[str]:
        """The pages of a story just added to whose copying mark may have changed: the new
        page, and the pages of each part (the story as it was, each story merged into it)
        whose text was found elsewhere before and now is not, or the reverse (rare: marking
        every page at every addition would cost a hot story's size each time)."""
        now = self._offsite_pages[story_id] > 0
        pages = [url]
        for members, elsewhere in moved:
            if elsewhere != now:
                pages.extend(members)
        if found_elsewhere != now:
            merged_in = {m for members, _ in moved for m in members}
            pages.extend(m for m in self._members.of(story_id) if m != url and m not in merged_in)
        return pages

    def _aggregators(self) -> set[str]:
        return {site for site in self._crawled_sites if self._is_aggregator_site(site)}


def _bulk(numbers: list[int], keys: list[Keys]) -> tuple[np.ndarray, Keys]:
    """Page numbers repeated per band key, and the keys, as two aligned arrays."""
    if not keys:
        return np.empty(0, dtype=np.uint32), np.empty(0, dtype=np.uint64)
    counts = [k.size for k in keys]
    return np.repeat(np.array(numbers, dtype=np.uint32), counts), np.concatenate(keys)


def _site_of_key(key: str) -> str:
    """site_of() of a URL, read from its url_key (which starts with it; no URL parsing)."""
    return key.partition("/")[0]


#: A paragraph is found in another text when this share of its shingles is there.
PARAGRAPH_FOUND = 0.8


def _paragraph_shingles(text: str, words: int) -> tuple[Hashes, ...]:
    return tuple(np.unique(shingle_hashes(tokenize(line), words))
                 for line in text.split("\n") if line.strip())


@dataclass(frozen=True)
class _Paragraphs:
    """A text's paragraphs' shingles, kept in two arrays rather than one per paragraph."""

    hashes: Hashes
    ends: np.ndarray

    @classmethod
    def of(cls, paragraphs: Sequence[Hashes]) -> _Paragraphs:
        ends = np.cumsum([p.size for p in paragraphs], dtype=np.int64)
        hashes = np.concatenate(paragraphs) if paragraphs else np.empty(0, dtype=np.uint64)
        return cls(hashes, ends)

    def split(self) -> list[Hashes]:
        return np.split(self.hashes, self.ends[:-1])


def _mostly_paragraphs_of(paragraphs: Sequence[Hashes], other: _Text) -> bool:
    """True when most of a text (by shingles; its paragraphs given), in at least two, is
    paragraphs found (nearly) whole in the other text: a copy that took the other's
    paragraphs in any order, with notes inserted, paragraphs split or moved, or mixed with
    another article's. Different articles about one event, or one quoting a paragraph of
    another, share phrases or a paragraph, not most of their paragraphs."""
    found = total = found_paragraphs = 0
    for paragraph in paragraphs:
        total += paragraph.size
        if paragraph.size and overlap_count(paragraph, other.shingles) >= PARAGRAPH_FOUND * paragraph.size:
            found += paragraph.size
            found_paragraphs += 1
    return found_paragraphs >= 2 and found > total / 2


def _copy_with_own_lines(overlap: float, lead_share: float, longer: _Text, shorter: _Text,
                         shared: int, cited: bool = False) -> bool:
    """A copy below the overlap bar that carries lines of its own: inserted after the other's
    whole lead (an editor's note), or around the other's opening, copied in one run (more
    of them when one page names the other as its source: `cited`)."""
    if overlap >= _INSERTED_MIN_OVERLAP and lead_share >= _WHOLE_LEAD:
        return True
    floor = CITED_OPENING_MIN_OVERLAP if cited else OPENING_MIN_OVERLAP
    return overlap >= floor and _opening_share(longer, shorter, shared) >= OPENING_SHARE


def _opening_share(longer: _Text, shorter: _Text, shared: int) -> float:
    """Share of the longer text's first `shared` shingles (up to OPENING_SHINGLES) that the
    shorter holds: 1.0 when what the two share is the longer's opening, in one run."""
    opening = np.unique(longer.shingles[longer.opening[:max(shared, 1)]])
    return overlap_count(opening, shorter.shingles) / max(opening.size, 1)


def _overlap(a: _Text, b: _Text) -> float:
    shorter = min(a.shingles.size, b.shingles.size) or 1
    return overlap_count(a.shingles, b.shingles) / shorter


def _story_id(url: str) -> str:
    return "st-" + hashlib.blake2b(url.encode(), digest_size=8).hexdigest()

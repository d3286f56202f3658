"""The story index's values: its options, what it keeps of a page, what it answers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pipelines.canonical import Canonical
from pipelines.shingles import SHINGLE_SCHEME, Hashes
from pipelines.signatures import MINHASH_SCHEME, Keys

#: How many first shingles make a text's lead (see DedupOptions.min_lead_share).
LEAD_SHINGLES = 20


@dataclass(frozen=True)
class DedupOptions:
    shingle_words: int = 3
    num_perm: int = 64
    seed: int = 1
    window_shingles: int = 50
    lsh_threshold: float = 0.45
    min_overlap: float = 0.8
    min_shingles: int = 40
    #: Short texts join only near-identical texts (Jaccard of shingle sets at least this).
    short_min_jaccard: float = 0.7
    #: Pairs below this Jaccard are not full copies; they must share the longer text's lead.
    full_copy_jaccard: float = 0.6
    #: Share of the longer text's first LEAD_SHINGLES shingles the shorter text must hold.
    min_lead_share: float = 0.5
    #: Two pages of one site, neither naming the other as its source, are copies only at
    #: this Jaccard or above.
    same_site_min_jaccard: float = 0.9

    def __post_init__(self) -> None:
        for name in ("lsh_threshold", "min_overlap", "short_min_jaccard", "full_copy_jaccard",
                     "min_lead_share", "same_site_min_jaccard"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        if self.num_perm < 16 or self.window_shingles < 4 or self.min_shingles < 1:
            raise ValueError(
                "num_perm must be >= 16, window_shingles >= 4 and min_shingles >= 1, got "
                f"{self.num_perm}, {self.window_shingles}, {self.min_shingles}"
            )

    def fingerprint(self) -> dict[str, str]:
        """What a stored index must match to be reused."""
        return {
            "shingle_scheme": SHINGLE_SCHEME,
            "shingle_words": str(self.shingle_words),
            "minhash_scheme": MINHASH_SCHEME,
        }


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What the canonical choice needs to know of a page besides its text."""

    published: str | None = None  # ISO 8601
    source_url: str | None = None
    site: str | None = None  # the site's name ("Globewire")
    credited_to: str | None = None
    #: True for a page of a site the crawl was asked to cover (its start sites), False for a
    #: page reached through a copy's source link. Only crawled sites can be aggregators.
    on_crawled_site: bool = True


@dataclass(frozen=True)
class IndexedPage:
    """One page's row in the persisted index."""

    url: str
    story_id: str
    facts: PageFacts
    #: URLs that redirected to this page.
    aliases: tuple[str, ...] = ()
    #: Shingle hashes in text order; None when only the page's story changed (a merge).
    hashes: Hashes | None = None
    #: The LSH band keys the page is indexed under (pipelines.signatures); None when they
    #: are to be computed from `hashes` (a row stored by an older release or other settings).
    bands: Keys | None = None
    #: crawler.urls.url_key of the URL; None when it is to be computed (like `bands`).
    url_key: str | None = None


@dataclass(frozen=True)
class Assignment:
    story_id: str
    similarity: float
    canonical: Canonical
    new_story: bool
    #: Ids of stories that this page proved to be the same story; they now carry story_id.
    merged: tuple[str, ...] = ()
    #: Set when the story's canonical changed: the previous canonical URL.
    previous_canonical: str | None = None
    #: The other pages of the story whose similarity to the canonical changed with this
    #: page (a new or moved canonical, merged stories): URL -> similarity.
    member_similarities: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Restatement:
    """A story's canonical chosen again once a batch of pages is filed (StoryIndex.settle)."""

    story_id: str
    canonical: Canonical
    #: The story's pages -> their similarity to the canonical page's text.
    member_similarities: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Settlement:
    """What StoryIndex.settle decided: the stories whose canonical changed, and the sites that
    are aggregators now. Both go to the store, so that an index loaded again (a desk started
    after a crash) knows which stories and sites changed since."""

    restatements: list[Restatement]
    aggregator_sites: frozenset[str]


class IndexBackend(Protocol):
    """Where the index persists (an SQLite file, a shared server)."""

    def load(self) -> Iterator[IndexedPage]: ...

    def save(self, pages: Iterable[IndexedPage]) -> None: ...


class HashArchive(Protocol):
    """Where the index finds the shingle hashes of pages it does not keep in memory."""

    def hashes(self, urls: Sequence[str]) -> dict[str, Hashes]: ...

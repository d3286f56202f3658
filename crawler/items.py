"""What the spider fetches (`Page`) and what Copydesk keeps of it (`Article`)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass
class Page:
    """An HTML page the spider fetched; the extraction stage decides if it is an article."""

    url: str
    html: str = field(repr=False)  # never in a log line: pages can be megabytes
    fetched_at: str = ""  # ISO 8601, UTC
    #: URLs that redirected to this page (so a copy citing one of them cites this page).
    aliases: list[str] = field(default_factory=list)
    #: This page's redirector links resolved by the spider: link URL -> final URL.
    redirects: dict[str, str] = field(default_factory=dict)
    #: The source whose crawl reached the page on its own sites; None for a page off them
    #: (reached through a copy's source link or found in a cited site's sitemap).
    source_name: str | None = None
    #: The source whose figures count the page: source_name, or for a page off the sources'
    #: sites, the source whose copy's link led to it (None when that is not known).
    counted_for: str | None = None
    #: Links to article-shaped pages of its source's sites the page offered (a listing
    #: offers many; a page that is no article but lists articles is read again every run).
    article_links: int = 0
    #: The page parsed once by the spider, for every stage after it (never exported): the
    #: tree extraction reads (pipelines.extraction.parse_page; extraction changes it) and
    #: what the source signals read (pipelines.sources.PageMarkup, taken before).
    tree: Any = field(default=None, repr=False, compare=False)
    markup: Any = field(default=None, repr=False, compare=False)
    #: The source link the spider decided from `markup` (pipelines.sources.SourceLink).
    source_link: Any = field(default=None, repr=False, compare=False)


class NoArticle(Exception):
    """Raised (as DropItem's cause) for a page the extraction stage finds no article in."""


@dataclass
class Article:
    """One article page and everything the pipelines learn about it."""

    url: str
    title: str | None
    text: str = field(repr=False)
    author: str | None = None
    published: str | None = None  # ISO 8601 date or datetime
    site: str | None = None
    language: str | None = None
    #: The page's own rel=canonical / og:url, absolute (may name another site).
    page_canonical: str | None = None
    fetched_at: str = ""
    #: The page's HTML; used by SourceLinkPipeline, not exported.
    html: str = field(default="", repr=False)
    #: Set by SourceLinkPipeline: the original this page says it copies, which signal said so,
    #: and the agency or outlet its text credits ("Reuters" in "BEIRUT (Reuters) –").
    source_url: str | None = None
    source_evidence: str | None = None
    credited_to: str | None = None
    #: Set by DedupPipeline: the story this page belongs to, the story's original publication,
    #: and this page's similarity (0..1) to the canonical page's text, or to the page it
    #: matched while the canonical is not indexed (1.0 for the canonical page itself).
    story_id: str | None = None
    canonical_url: str | None = None
    similarity: float | None = None
    #: Set by ExtractionPipeline (added to the schema after the fields above).
    modified: str | None = None  # ISO 8601, when the page says it was last updated
    description: str | None = None
    image: str | None = None  # URL of the article's main image
    #: URLs of social posts embedded in the article (tweets, Instagram, TikTok).
    embeds: list[str] = field(default_factory=list)
    #: Set by DedupPipeline for StoragePipeline (not exported): the page's story assignment
    #: (pipelines.story_model.Assignment: the canonical's reason, the canonical it replaced,
    #: stories merged into its story, other pages' similarities restated).
    assignment: Any = field(default=None, repr=False, compare=False)
    #: Copied from the Page for SourceLinkPipeline and DedupPipeline (not exported).
    aliases: list[str] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)
    source_name: str | None = None
    counted_for: str | None = None
    #: Set by DedupPipeline for StoragePipeline (not exported): the story index rows
    #: (pipelines.dedup.IndexedPage) this page changed, stored in the page's transaction.
    index_pages: list[Any] = field(default_factory=list, repr=False)
    #: The spider's PageMarkup of the page and the source link it decided, for
    #: SourceLinkPipeline (not exported).
    markup: Any = field(default=None, repr=False, compare=False)
    source_link: Any = field(default=None, repr=False, compare=False)


#: Fields of Article that internal stages use and exports leave out.
_INTERNAL_FIELDS = {
    "html", "assignment", "aliases", "redirects",
    "source_name", "counted_for", "index_pages", "markup", "source_link",
}

#: The output schema: the fields of one article record, in order (README.md documents them).
ARTICLE_FIELDS = [f.name for f in fields(Article) if f.name not in _INTERNAL_FIELDS]

"""Story merging for texts you already have: the crawl's shingling, MinHash LSH,
verification and story rules, over a list of documents instead of crawled pages.

    from pipelines.corpus import Document, assign_stories
    stories = assign_stories([Document("a", text_a), Document("b", text_b, url=..., published=...)])
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from crawler.urls import site_of
from pipelines.dedup import DedupOptions, PageFacts, StoryIndex


@dataclass(frozen=True)
class Document:
    id: str
    text: str
    #: Where it was published, if known: the site takes part in choosing the original.
    url: str | None = None
    #: When it was published (ISO 8601), if known: the earliest is the original otherwise.
    published: str | None = None


@dataclass(frozen=True)
class DocumentStory:
    id: str
    #: Documents with the same story_id are copies of one story.
    story_id: str
    #: The id of the story's original document.
    canonical_id: str
    #: Overlap of this document's text with the original's (0..1; 1.0 for the original).
    similarity: float


def assign_stories(documents: Iterable[Document], options: DedupOptions | None = None,
                   progress: Callable[[int], None] | None = None) -> list[DocumentStory]:
    """Each document's story, decided as the crawl decides (stories as they stand after the
    last document: merges and better originals found later are applied to every document).
    `progress(n)` is called after every 1,000 documents.

    Raises:
        ValueError: for two documents with the same id.
    """
    index = StoryIndex(options or DedupOptions())
    keys: dict[str, str] = {}  # document id -> its key in the index
    ids: dict[str, str] = {}  # key -> document id
    for number, document in enumerate(documents, 1):
        if document.id in keys:
            raise ValueError(f"document id {document.id!r} appears twice")
        key = document.url if document.url and document.url not in ids else _key(document.id)
        keys[document.id], ids[key] = key, document.id
        facts = PageFacts(published=document.published,
                          site=site_of(document.url) if document.url else None,
                          on_crawled_site=False)
        index.add(key, document.text, facts)
        if progress is not None and number % 1000 == 0:
            progress(number)
    results = []
    for document_id, key in keys.items():
        story_id = index.story_of(key) or ""
        canonical = index.canonical_url(story_id) or key
        results.append(DocumentStory(document_id, story_id, ids.get(canonical, document_id),
                                     index.similarity_to_canonical(key)))
    return results


def _key(document_id: str) -> str:
    """A URL standing for a document that has none (the index keys pages by URL), on a site
    of its own: documents without URLs are not known to share a site (pages of one site
    join only when near-identical)."""
    host = hashlib.blake2b(document_id.encode(), digest_size=8).hexdigest()
    return f"http://doc-{host}.invalid/" + quote(document_id, safe="")

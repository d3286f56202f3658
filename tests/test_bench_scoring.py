"""The synd bench's scorer: figures a reader relies on to tell a grouping error from a
labelling one."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from scoring import score_crawl

BRIDGE = ("The old harbor bridge will close for repairs on Monday, the city said, and traffic "
          "will be sent over the river road for most of the summer while crews replace cables.")
MUSEUM = ("The city museum reopened its east wing on Sunday after three years of work, with a "
          "new hall for maps of the river towns and a cafe looking over the water.")


def labels(second_text: str) -> dict:
    def page(story: str, text: str, role: str) -> dict:
        return {"kind": "article", "story": story, "event": "e1", "role": role, "text": text,
                "site_kind": "publisher", "original": f"http://a.test/{story}"}
    return {"pages": {
        "http://a.test/s1": page("s1", BRIDGE, "original"),
        "http://b.test/s2": page("s2", second_text, "original"),
        "http://c.test/copy": page("s1", BRIDGE, "agg-full"),
    }}


def crawl(story_ids: list[str]) -> list[dict]:
    urls = ["http://a.test/s1", "http://b.test/s2", "http://c.test/copy"]
    return [{"url": u, "story_id": s, "text": BRIDGE, "canonical_url": None, "source_url": None}
            for u, s in zip(urls, story_ids)]


def test_stories_grouped_as_one_are_counted_and_told_apart_by_their_originals_text() -> None:
    one_text = score_crawl(crawl(["x", "x", "x"]), labels(BRIDGE), [])
    assert (one_text["merged_story_pairs"], one_text["merged_story_pairs_one_text"]) == (1, 1)
    two_texts = score_crawl(crawl(["x", "x", "x"]), labels(MUSEUM), [])
    assert (two_texts["merged_story_pairs"], two_texts["merged_story_pairs_one_text"]) == (1, 0)
    apart = score_crawl(crawl(["x", "y", "x"]), labels(MUSEUM), [])
    assert apart["merged_story_pairs"] == 0

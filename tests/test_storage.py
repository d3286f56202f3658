from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crawler.items import ARTICLE_FIELDS
from pipelines.canonical import Canonical
from pipelines.databases import StoreLocation
from pipelines.dedup import Assignment, DedupOptions, StoryIndex
from pipelines.storage import ArticleStore, StoreError, open_store
from pipelines.story_desk import StoryDesk, load_index, open_index
from tests.conftest import read_store, story_text


def record(url: str, story: str, canonical: str, **fields: object) -> dict[str, object]:
    base = {f: None for f in ARTICLE_FIELDS}
    return {**base, "url": url, "text": "t", "title": url, "story_id": story,
            "canonical_url": canonical, "fetched_at": "2026-03-02T10:00:00+00:00", **fields}


def assigned(story: str, canonical: str, reason: str, merged: tuple[str, ...] = (),
             previous_canonical: str | None = None) -> Assignment:
    return Assignment(story, 1.0, Canonical(canonical, reason), not merged, merged,
                      previous_canonical)


def test_stories_follow_merges_and_canonical_changes(tmp_path: Path) -> None:
    store = ArticleStore(open_store(tmp_path / "s.db"), ARTICLE_FIELDS)
    store.write(record("http://a.test/1", "s1", "http://a.test/1"),
                assigned("s1", "http://a.test/1", "first"))
    store.write(record("http://b.test/1", "s2", "http://b.test/1"))
    store.write(record("http://c.test/1", "s1", "http://c.test/1"),
                assigned("s1", "http://c.test/1", "cited by 2 page(s)", merged=("s2",),
                         previous_canonical="http://a.test/1"))
    data = read_store(tmp_path / "s.db")
    assert set(data["stories"]) == {"s1"}
    assert data["stories"]["s1"]["copies"] == 3
    assert data["stories"]["s1"]["canonical_url"] == "http://c.test/1"
    assert {a["story_id"] for a in data["articles"].values()} == {"s1"}
    assert {a["canonical_url"] for a in data["articles"].values()} == {"http://c.test/1"}
    events = store.db.execute("SELECT event, detail FROM story_history ORDER BY id").fetchall()
    assert events == [("merged", "story s2 merged into this story"),
                      ("canonical_changed", "http://a.test/1 -> http://c.test/1 (cited by 2 page(s))")]


def test_writing_a_page_again_updates_it_in_place(tmp_path: Path) -> None:
    store = ArticleStore(open_store(tmp_path / "s.db"), ARTICLE_FIELDS)
    store.write(record("http://a.test/1", "s1", "http://a.test/1", text="old"))
    store.write(record("http://a.test/1", "s1", "http://a.test/1", text="new"))
    data = read_store(tmp_path / "s.db")
    assert [a["text"] for a in data["articles"].values()] == ["new"]
    assert data["stories"]["s1"]["copies"] == 1


def test_a_file_that_is_not_a_database_is_named_in_the_error(tmp_path: Path) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("these are my notes, not a database" * 100)
    with pytest.raises(StoreError, match=f"cannot use {bad} as the Copydesk store"):
        open_store(bad)


def test_store_uses_wal_so_readers_never_see_half_a_page(tmp_path: Path) -> None:
    connection = open_store(tmp_path / "s.db")
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    reader = sqlite3.connect(tmp_path / "s.db")
    store = ArticleStore(connection, ARTICLE_FIELDS)
    store.write(record("http://a.test/1", "s1", "http://a.test/1"))
    assert reader.execute("SELECT COUNT(*) FROM stories").fetchone()[0] == 1


@pytest.mark.parametrize(("given", "engine", "target", "shown"), [
    ("news.db", "sqlite", "news.db", "news.db"),
    ("sqlite:///news.db", "sqlite", "news.db", "news.db"),
    ("sqlite:////var/lib/copydesk/news.db", "sqlite", "/var/lib/copydesk/news.db",
     "/var/lib/copydesk/news.db"),
    ("postgresql://desk:s3cret@db.example:5432/news", "postgresql",
     "postgresql://desk:s3cret@db.example:5432/news", "postgresql://desk:***@db.example:5432/news"),
    ("postgres://db.example/news", "postgresql", "postgres://db.example/news",
     "postgres://db.example/news"),
])
def test_store_locations(given: str, engine: str, target: str, shown: str) -> None:
    location = StoreLocation.parse(given)
    assert (location.engine, location.target, str(location)) == (engine, target, shown)


@pytest.mark.parametrize("given", ["mysql://db/news", "sqlite://", "redis://127.0.0.1/0"])
def test_store_urls_of_other_kinds_are_refused(given: str) -> None:
    with pytest.raises(StoreError):
        StoreLocation.parse(given)


def test_stored_similarities_do_not_depend_on_the_order_pages_came_in(tmp_path: Path) -> None:
    # A copy filed before its original is first measured against another copy; once the
    # original is filed, every page's stored similarity is to the original's text.
    original = story_text("bridge")
    paragraphs = original.split("\n")
    pages = {
        "http://herald.test/bridge": ("2026-03-02T08:00:00+00:00", original),
        "http://agg.test/excerpt": (None, "\n".join(paragraphs[:3])),
        "http://blog.test/edited": (None, "\n".join(p.replace(" the ", " a ") if i % 2 else p
                                                  for i, p in enumerate(paragraphs))),
    }
    stored = []
    for name, order in (("a", list(pages)), ("b", list(reversed(pages)))):
        path = tmp_path / f"{name}.db"
        desk = StoryDesk(StoryIndex(DedupOptions()), ArticleStore(open_store(path), ARTICLE_FIELDS))
        for url in order:
            published, text = pages[url]
            desk.file(record(url, None, None, text=text, published=published,
                             site=url.split("/")[2]))
        stored.append({url: (a["canonical_url"], a["similarity"])
                       for url, a in read_store(path)["articles"].items()})
    assert stored[0] == stored[1]
    assert {canonical for canonical, _ in stored[0].values()} == {"http://herald.test/bridge"}
    assert stored[0]["http://herald.test/bridge"][1] == 1.0
    assert stored[0]["http://agg.test/excerpt"][1] == 1.0  # all of it is in the original
    assert 0.3 < stored[0]["http://blog.test/edited"][1] < 0.95


def aggregator_revealed_late() -> dict[str, tuple[str | None, str | None, str]]:
    """URL -> (published, source_url, text). agg.test's first page is filed before the
    publisher's copy of it; only its later pages, each copying another site's article, show
    that agg.test is an aggregator, whose page is not a story's original when a publisher's
    is known."""
    bridge = {"http://agg.test/bridge": ("2026-03-01", None, story_text("bridge")),
              "http://herald.test/bridge": ("2026-03-02", None, story_text("bridge"))}
    others = {f"http://agg.test/{name}": (None, f"http://{name}.test/a", story_text(name))
              for name in ("museum", "budget-herald", "budget-tribune")}
    return {**bridge, **others}


def file_pages(desk: StoryDesk, pages: dict[str, tuple[str | None, str | None, str]]) -> None:
    for url, (published, source, text) in pages.items():
        desk.file(record(url, None, None, text=text, published=published, source_url=source,
                         site=url.split("/")[2], source_name="start"))


def test_stored_canonicals_do_not_depend_on_the_order_pages_came_in(tmp_path: Path) -> None:
    pages = aggregator_revealed_late()
    stored = []
    for name, order in (("a", list(pages)), ("b", list(reversed(pages)))):
        path = tmp_path / f"{name}.db"
        desk = StoryDesk(StoryIndex(DedupOptions()), ArticleStore(open_store(path), ARTICLE_FIELDS))
        file_pages(desk, {url: pages[url] for url in order})
        desk.settle()
        data = read_store(path)
        story = data["articles"]["http://herald.test/bridge"]["story_id"]
        assert data["stories"][story]["canonical_url"] == "http://herald.test/bridge"
        stored.append({url: (a["canonical_url"], a["similarity"])
                       for url, a in data["articles"].items()})
    assert stored[0] == stored[1]
    assert stored[0]["http://agg.test/bridge"][0] == "http://herald.test/bridge"
    # Filed first, the copy was stored with itself as the original: it was restated, and
    # marked so that a feed of the crawl carries its new record.
    first = open_store(tmp_path / "a.db")
    assert first.execute("SELECT revised_at FROM articles WHERE url='http://agg.test/bridge'"
                         ).fetchone()[0] is not None
    assert first.execute("SELECT COUNT(*) FROM story_history WHERE event='canonical_changed'"
                         " AND detail LIKE 'http://agg.test/bridge -> http://herald.test/bridge%'"
                         ).fetchone()[0] == 1


def test_a_batch_filed_in_one_transaction_stores_what_filing_one_at_a_time_does(
        tmp_path: Path) -> None:
    pages = aggregator_revealed_late()
    one_at_a_time = StoryDesk(StoryIndex(DedupOptions()),
                              ArticleStore(open_store(tmp_path / "a.db"), ARTICLE_FIELDS))
    file_pages(one_at_a_time, pages)
    batched = StoryDesk(StoryIndex(DedupOptions()),
                        ArticleStore(open_store(tmp_path / "b.db"), ARTICLE_FIELDS))
    filed = batched.file_all([record(url, None, None, text=text, published=published,
                                     source_url=source, site=url.split("/")[2],
                                     source_name="start")
                              for url, (published, source, text) in pages.items()])
    assert [f.outcome for f in filed] == ["new"] * len(pages)
    assert batched.counts == one_at_a_time.counts

    def stored(path: Path) -> dict[str, tuple[str, str, float]]:
        data = read_store(path)
        return {url: (a["story_id"], a["canonical_url"], a["similarity"])
                for url, a in data["articles"].items()}

    assert stored(tmp_path / "b.db") == stored(tmp_path / "a.db")
    assert len({story for story, _, _ in stored(tmp_path / "b.db").values()}) == 4


@pytest.mark.parametrize("settled_before", [False, True])
def test_a_desk_that_stopped_before_it_settled_settles_when_started_again(
        tmp_path: Path, settled_before: bool) -> None:
    path = tmp_path / "store.db"
    pages = list(aggregator_revealed_late().items())
    opened = open_index(path, DedupOptions(), 0)
    load_index(opened)
    desk = StoryDesk(opened.index, ArticleStore(open_store(path), ARTICLE_FIELDS))
    if settled_before:  # an earlier batch was settled: only what changed since is checked
        file_pages(desk, dict(pages[:1]))
        desk.settle()
    file_pages(desk, dict(pages[1 if settled_before else 0:]))
    # Killed here: its last batch was filed, not settled.
    story = read_store(path)["articles"]["http://herald.test/bridge"]["story_id"]
    assert read_store(path)["stories"][story]["canonical_url"] == "http://agg.test/bridge"

    opened = open_index(path, DedupOptions(), 0)
    load_index(opened)
    assert StoryDesk(opened.index, ArticleStore(open_store(path), ARTICLE_FIELDS)).settle() == 1
    assert read_store(path)["stories"][story]["canonical_url"] == "http://herald.test/bridge"

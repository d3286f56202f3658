"""The story index on the hard cases of syndication (texts from the sample web's stories)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from pipelines.dedup import DedupOptions, PageFacts, StoryIndex
from pipelines.storage import StoreError, StoreIndexBackend, open_store
from tests.conftest import story_text

BRIDGE = story_text("bridge")
HERALD = story_text("budget-herald")
TRIBUNE = story_text("budget-tribune")
MUSEUM = story_text("museum")


@pytest.fixture
def index() -> StoryIndex:
    return StoryIndex(DedupOptions())


def add(index: StoryIndex, url: str, text: str) -> str:
    assignment, _ = index.add(url, text)
    return assignment.story_id


def test_full_copy_with_other_template_and_typography_joins(index: StoryIndex) -> None:
    story = add(index, "http://herald.test/bridge", BRIDGE)
    paragraphs = BRIDGE.split("\n")
    copy = "\n".join([
        "RIVERTON (Wire) \u2013 " + paragraphs[0].replace("'", ""),
        "Photo: the eastern span at dusk (File)",
        *[p.replace('"', "\u201c") for p in paragraphs[1:3]],
        "READ MORE \u25ba Museum reopens after three years",
        "Shaking felt at the bridge pic.twitter.com/x1 \u2014 Resident (@res) March 2, 2026",
        *paragraphs[3:],
    ])
    assignment, _ = index.add("http://agg.test/bridge", copy)
    assert assignment.story_id == story
    assert 0.8 < assignment.similarity <= 1.0


def test_partial_copy_joins_the_full_original(index: StoryIndex) -> None:
    story = add(index, "http://herald.test/bridge", BRIDGE)
    excerpt = "\n".join(BRIDGE.split("\n")[:2]) + "\nContinue reading..."
    assert add(index, "http://agg.test/bridge-excerpt", excerpt) == story


def test_original_arriving_after_its_partial_copy_joins_it(index: StoryIndex) -> None:
    story = add(index, "http://agg.test/bridge-excerpt", "\n".join(BRIDGE.split("\n")[:2]))
    assert add(index, "http://herald.test/bridge", BRIDGE) == story


def test_updated_version_and_copies_of_the_old_version_are_one_story(index: StoryIndex) -> None:
    old = add(index, "http://agg.test/museum-old", MUSEUM)
    updated = MUSEUM.replace("doubled", "more than doubled") + (
        "\nMore than eleven thousand visitors came on the first weekend, the museum said.")
    assert add(index, "http://tribune.test/museum", updated) == old


def test_different_articles_about_one_event_stay_apart(index: StoryIndex) -> None:
    assert add(index, "http://herald.test/budget", HERALD) != add(
        index, "http://tribune.test/budget", TRIBUNE)


def test_mixed_rewrite_joins_its_majority_and_bridges_nothing(index: StoryIndex) -> None:
    herald = add(index, "http://herald.test/budget", HERALD)
    tribune = add(index, "http://tribune.test/budget", TRIBUNE)
    mixed = TRIBUNE + "\n" + HERALD.split("\n")[3]
    assert add(index, "http://agg.test/budget-mixed", mixed) == tribune
    assert index.story_of("http://herald.test/budget") == herald != tribune


def test_copy_of_the_minor_part_of_a_mixed_page_does_not_join_it(index: StoryIndex) -> None:
    tribune = add(index, "http://agg.test/budget-mixed", TRIBUNE + "\n" + HERALD)
    assert add(index, "http://agg.test/herald-part", "\n".join(HERALD.split("\n")[:3])) != tribune


def test_short_brief_never_joins_a_longer_article_that_quotes_it(index: StoryIndex) -> None:
    brief = "The lake ferry will run an extra evening crossing on Fridays from next week."
    article = add(index, "http://tribune.test/ferries", brief + "\n" + MUSEUM)
    assert add(index, "http://tribune.test/briefs/ferry", brief) != article
    # ... but an exact copy of the brief is the brief's story.
    assert add(index, "http://agg.test/ferry", brief) == index.story_of("http://tribune.test/briefs/ferry")


def test_quoted_lead_sentences_in_teasers_do_not_merge(index: StoryIndex) -> None:
    bridge = add(index, "http://herald.test/bridge", BRIDGE)
    teasers = "\n".join([BRIDGE.split("\n")[0][:120], MUSEUM.split("\n")[0][:120],
                         HERALD.split("\n")[0][:120]])
    assert add(index, "http://agg.test/most-read", teasers) != bridge


def test_story_ids_do_not_churn_and_ties_go_to_the_oldest_story(index: StoryIndex) -> None:
    first = add(index, "http://a.test/1", BRIDGE)
    assert add(index, "http://b.test/1", BRIDGE) == first
    assert add(index, "http://c.test/1", BRIDGE) == first
    assert index.members(first) == ["http://a.test/1", "http://b.test/1", "http://c.test/1"]


def test_page_seen_again_with_new_text_stays_in_its_story(index: StoryIndex) -> None:
    story = add(index, "http://herald.test/bridge", BRIDGE)
    assert add(index, "http://herald.test/bridge", BRIDGE + "\nUpdate: the bridge reopens early.") == story
    assert len(index) == 1


@pytest.mark.parametrize("text", ["", "word", "东京发生强烈地震，造成多人受伤。" * 3])
def test_empty_one_word_and_cjk_texts(index: StoryIndex, text: str) -> None:
    first = add(index, "http://a.test/x", text)
    second = add(index, "http://b.test/x", text)
    assert (first == second) == (len(text) > 10)  # only a real text can be a copy


def test_long_cjk_copies_merge(index: StoryIndex) -> None:
    text = "".join(f"第{i}段：东京发生强烈地震，造成多人受伤，铁路暂停运行。" for i in range(12))
    assert add(index, "http://a.test/jp", text) == add(index, "http://b.test/jp", text[:200])


def test_index_persists_and_a_later_crawl_joins_old_stories(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    backend = StoreIndexBackend(open_store(db))
    index = StoryIndex(DedupOptions())
    backend.check(DedupOptions().fingerprint(), index.derived_scheme)
    assignment, changed = index.add("http://herald.test/bridge", BRIDGE,
                                    PageFacts(published="2026-03-02"))
    backend.save(changed)
    # The shingle hashes live apart from the rows a start-up loads (only candidates read them).
    assert backend.db.execute("SELECT LENGTH(hashes) FROM story_index").fetchall() == [(0,)]
    assert backend.db.execute("SELECT COUNT(*) FROM story_shingles").fetchone() == (1,)
    backend.db.close()

    backend = StoreIndexBackend(open_store(db))
    later = StoryIndex(DedupOptions(), archive=backend)
    assert backend.check(DedupOptions().fingerprint(), later.derived_scheme)
    later.load(backend.load())
    again, _ = later.add("http://agg.test/bridge", BRIDGE)
    assert again.story_id == assignment.story_id and not again.new_story
    assert again.canonical.url == "http://herald.test/bridge"


def test_index_built_with_other_parameters_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    backend = StoreIndexBackend(open_store(db))
    backend.check(DedupOptions().fingerprint())
    backend.save(StoryIndex(DedupOptions()).add("http://a.test/x", BRIDGE)[1])
    with pytest.raises(StoreError, match=f"{db}.*shingle_words: stored '3', now '4'"):
        backend.check(DedupOptions(shingle_words=4).fingerprint())


def test_corrupt_index_entry_is_reported_with_the_file(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    connection = open_store(db)
    connection.execute("INSERT INTO story_index (url, story_id, hashes) VALUES ('u', 's', x'0102')")
    with pytest.raises(StoreError, match=f"corrupt story index entry for u in {db}"):
        list(StoreIndexBackend(connection).load())


@pytest.mark.parametrize("bad", [{"min_overlap": 0}, {"lsh_threshold": 1.5}, {"num_perm": 2}])
def test_bad_options_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        DedupOptions(**bad)  # type: ignore[arg-type]


def test_extremely_long_page_is_indexed_and_matched(index: StoryIndex) -> None:
    long_text = "\n".join(f"Paragraph {i}: " + BRIDGE.replace("Harbor", f"Harbor{i}") for i in range(300))
    story = add(index, "http://a.test/long", long_text)
    assert add(index, "http://b.test/long-excerpt", "\n".join(long_text.split("\n")[:40])) == story


def test_retention_window_keeps_only_recent_stories_matchable(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    backend = StoreIndexBackend(open_store(db))
    backend.check(DedupOptions().fingerprint())
    index = StoryIndex(DedupOptions())
    backend.save(index.add("http://herald.test/bridge", BRIDGE)[1])
    backend.save(index.add("http://tribune.test/museum", MUSEUM)[1])
    backend.db.execute("UPDATE story_index SET seen_at='2025-01-01T00:00:00+00:00' "
                       "WHERE url='http://herald.test/bridge'")

    later = StoryIndex(DedupOptions(), archive=backend)
    later.load(backend.load(seen_since="2026-01-01T00:00:00+00:00"))
    assert len(later) == 1 and later.story_of("http://tribune.test/museum") is not None
    assert later.add("http://agg.test/bridge", BRIDGE)[0].new_story  # too old to join
    assert not later.add("http://agg.test/museum", MUSEUM)[0].new_story


def grouping(pages: list[tuple[str, str, PageFacts]]) -> set[frozenset[str]]:
    """The stories (as sets of URLs) one index makes of the pages, added in the order given."""
    index = StoryIndex(DedupOptions())
    for url, text, facts in pages:
        index.add(url, text, facts)
    return {frozenset(index.members(story)) for story in index.story_ids()}


def test_stories_do_not_depend_on_the_order_pages_arrive_in() -> None:
    paragraphs = BRIDGE.split("\n")
    pages = [
        ("http://herald.test/bridge", BRIDGE, PageFacts()),
        # Another outlet's story: the same wire lead, then a story of its own.
        ("http://tribune.test/bridge-and-museum", "\n".join(paragraphs[:3]) + "\n" + MUSEUM,
         PageFacts()),
        # An excerpt of that lead, a copy of both.
        ("http://agg.test/excerpt", "\n".join(paragraphs[:2]),
         PageFacts(source_url="https://www.tribune.test/bridge-and-museum/")),
        ("http://herald.test/budget", HERALD, PageFacts()),
        ("http://tribune.test/budget", TRIBUNE, PageFacts()),
        ("http://agg.test/budget-mixed", TRIBUNE + "\n" + HERALD.split("\n")[3], PageFacts()),
    ]
    orders = {tuple(map(frozenset, sorted(sorted(g) for g in grouping(list(order)))))
              for order in itertools.permutations(pages)}
    assert len(orders) == 1
    # The excerpt links the two articles whose lead it copies: one story (the two articles do
    # not match each other, so a rule keeping them apart would depend on who came first);
    # the mixed rewrite joins its majority only.
    assert grouping(pages) == {
        frozenset({"http://herald.test/bridge", "http://tribune.test/bridge-and-museum",
                   "http://agg.test/excerpt"}),
        frozenset({"http://herald.test/budget"}),
        frozenset({"http://tribune.test/budget", "http://agg.test/budget-mixed"}),
    }


def store_with_the_bridge_story(tmp_path: Path) -> tuple[StoreIndexBackend, str]:
    """A store whose index holds the bridge story's original; the backend and story id."""
    db = tmp_path / "store.db"
    backend = StoreIndexBackend(open_store(db))
    index = StoryIndex(DedupOptions())
    backend.check(DedupOptions().fingerprint(), index.derived_scheme)
    assignment, changed = index.add("http://herald.test/bridge", BRIDGE)
    backend.save(changed)
    return backend, assignment.story_id


def test_rows_stored_without_band_keys_are_indexed_and_upgraded(tmp_path: Path) -> None:
    backend, story = store_with_the_bridge_story(tmp_path)
    # As an older release stored it: hashes in the row, no band keys.
    backend.db.execute("UPDATE story_index SET bands=NULL, hashes=(SELECT hashes FROM story_shingles)")
    backend.db.execute("DELETE FROM story_shingles")

    later = StoryIndex(DedupOptions(), archive=backend)
    computed = later.load(backend.load())
    assert [page.url for page in computed] == ["http://herald.test/bridge"]
    backend.save(computed, derived_scheme=later.derived_scheme)
    assert backend.db.execute("SELECT bands IS NOT NULL FROM story_index").fetchone() == (1,)
    assert later.add("http://agg.test/bridge", BRIDGE)[0].story_id == story


def test_other_window_settings_recompute_the_stored_band_keys(tmp_path: Path) -> None:
    backend, story = store_with_the_bridge_story(tmp_path)
    options = DedupOptions(window_shingles=30, num_perm=32)
    later = StoryIndex(options, archive=backend)
    assert not backend.check(options.fingerprint(), later.derived_scheme)
    assert len(later.load(backend.load(bands=False))) == 1
    excerpt = "\n".join(BRIDGE.split("\n")[:2])
    assert later.add("http://agg.test/bridge-excerpt", excerpt)[0].story_id == story


def test_short_excerpt_that_names_its_original_joins_it_in_either_order() -> None:
    # Two sentences of a long article: too short to be told from a brief an article quotes,
    # unless the excerpt links the article as its source.
    original = "http://herald.test/bridge"
    excerpt = " ".join(BRIDGE.split("\n")[0].split()[:30])
    for first_original in (True, False):
        index = StoryIndex(DedupOptions())
        if first_original:
            index.add(original, BRIDGE)
        index.add("http://agg.test/bridge", excerpt, PageFacts(source_url=original))
        if not first_original:
            index.add(original, BRIDGE)
        assert index.story_of("http://agg.test/bridge") == index.story_of(original)
    unnamed = StoryIndex(DedupOptions())
    unnamed.add(original, BRIDGE)
    unnamed.add("http://other.test/bridge", excerpt)
    assert unnamed.story_of("http://other.test/bridge") != unnamed.story_of(original)


def test_copy_that_names_its_source_and_mixes_in_another_articles_paragraphs_joins_it() -> None:
    # An aggregator's rewrite: two paragraphs of another article on top, then four of the
    # bridge story's six, one split in two. Too little of either text for a plain overlap.
    bridge = BRIDGE.split("\n")
    first, _, rest = bridge[2].partition(", ")
    mixed = "\n".join([*HERALD.split("\n")[:2], bridge[0], bridge[1], first + ",", rest,
                       bridge[4]])
    index = StoryIndex(DedupOptions())
    story = add(index, "http://herald.test/bridge", BRIDGE)
    other = add(index, "http://herald.test/budget", HERALD)
    facts = PageFacts(source_url="http://herald.test/bridge")
    assignment, _ = index.add("http://agg.test/bridge-mixed", mixed, facts)
    assert assignment.story_id == story != other
    # Built the same way and naming no source, it may be a publisher's own story quoting
    # most of another: it stays its own.
    index = StoryIndex(DedupOptions())
    story = add(index, "http://herald.test/bridge", BRIDGE)
    assert add(index, "http://tribune.test/bridge-and-budget", mixed) != story


def test_a_rewrite_naming_its_source_joins_it_whichever_comes_first() -> None:
    # Every paragraph of the original cut to its first three quarters, two paragraphs of
    # another story added: the rewrite's paragraphs are all found in the original, none of
    # the original's is found whole in the rewrite. The rule reads the page that names its
    # source, in both orders.
    def cut(paragraph: str) -> str:
        words = paragraph.split()
        return " ".join(words[: len(words) * 3 // 4])

    rewrite = "\n".join([*map(cut, BRIDGE.split("\n")), *MUSEUM.split("\n")[:2]])
    pages = [("http://herald.test/bridge", BRIDGE, PageFacts()),
             ("http://agg.test/bridge-rewrite", rewrite,
              PageFacts(source_url="http://herald.test/bridge"))]
    joined = {frozenset({"http://herald.test/bridge", "http://agg.test/bridge-rewrite"})}
    assert grouping(pages) == grouping(pages[::-1]) == joined


def test_settle_restates_a_canonical_that_later_pages_of_another_story_changed() -> None:
    bridge = [("http://agg.test/bridge", BRIDGE, PageFacts(published="2024-01-01")),
              ("http://herald.test/bridge", BRIDGE, PageFacts(published="2024-01-02"))]
    # agg.test shows what it is only later: most of its pages copy other sites' articles.
    others = [(f"http://agg.test/{name}", text, PageFacts(source_url=f"http://{name}.test/a"))
              for name, text in (("budget", HERALD), ("tribune", TRIBUNE), ("museum", MUSEUM))]
    for order in (bridge + others, others + bridge):
        index = StoryIndex(DedupOptions())
        given = {}
        for url, text, facts in order:
            assignment, _ = index.add(url, text, facts)
            given[assignment.story_id] = assignment.canonical.url
        story = index.story_of("http://herald.test/bridge")
        restated = {r.story_id: r for r in index.settle().restatements}
        final = restated[story].canonical.url if story in restated else given[story]
        assert final == "http://herald.test/bridge"
        if story in restated:
            assert restated[story].member_similarities == {
                "http://agg.test/bridge": 1.0, "http://herald.test/bridge": 1.0}
    assert index.settle().restatements == []  # nothing filed since


SECTION_BLURB = (
    "In Brief is our daily round-up of short items from the newsroom, compiled by the night"
    " desk from reports by our correspondents, council notices and calls from readers across"
    " the county. Items are checked before they run, and longer reports follow on the main"
    " news pages when there is more to tell. Send us your tips by email or through the form"
    " on our contact page, and tell us where and when it happened and how we can reach you."
    " We read every message, though we cannot answer each one, and we never publish a"
    " reader's name without asking first."
)


def test_pages_of_one_site_sharing_its_template_are_not_copies(index: StoryIndex) -> None:
    """Two briefs of one site carry the same section blurb, longer than either brief: they
    stay two stories. The site's print version of a brief is the same text: it joins."""
    briefs = {
        "http://courier.test/brief/bridge": "The Mill Lane bridge closes to lorries on Monday"
                                            " while engineers survey its arches.",
        "http://courier.test/brief/library": "The town library opens on Sundays from next"
                                             " month after a vote by the county council.",
    }
    stories = {url: add(index, url, f"{text}\n{SECTION_BLURB}") for url, text in briefs.items()}
    assert len(set(stories.values())) == 2
    print_version = f"{briefs['http://courier.test/brief/bridge']}\n{SECTION_BLURB}"
    assert add(index, "http://courier.test/print/brief/bridge", print_version) == \
        stories["http://courier.test/brief/bridge"]


def test_a_page_naming_another_of_its_site_as_source_joins_it() -> None:
    index = StoryIndex(DedupOptions())
    original = "http://herald.test/bridge"
    index.add(original, BRIDGE)
    excerpt = "\n".join(BRIDGE.split("\n")[:2])
    index.add("http://herald.test/live/bridge-latest", excerpt, PageFacts(source_url=original))
    assert index.story_of("http://herald.test/live/bridge-latest") == index.story_of(original)


def test_partial_copy_with_an_inserted_note_joins_the_original(index: StoryIndex) -> None:
    # The copy starts with the original's whole lead, then carries a line of its own.
    story = add(index, "http://herald.test/bridge", BRIDGE)
    paragraphs = BRIDGE.split("\n")
    note = ("Editor's note: this story was updated on Tuesday with the council's answers to "
            "readers' questions about the closure and the detours.")
    copy = "\n".join([paragraphs[0], note, *paragraphs[1:3]])
    assert add(index, "http://agg.test/bridge-with-note", copy) == story
    # Own reporting after a shared lead is not a copy: most of it is the page's own.
    own = "\n".join([paragraphs[0], *MUSEUM.split("\n")[:2]])
    assert add(index, "http://tribune.test/bridge-and-more", own) != story


@pytest.mark.parametrize("original_first", [True, False])
def test_partial_copy_carrying_other_lines_joins_the_original(original_first: bool) -> None:
    # An aggregator's excerpt of the first paragraphs, with lines the cleanup kept around it
    # (another story's teaser above, an author's bio below): a third of its text is not
    # the original's, but what it shares is the original's opening, in one run.
    paragraphs = BRIDGE.split("\n")
    teaser = MUSEUM.split("\n")[0]
    bio = ("Dana Kell writes about transport and city planning for the desk. She has covered "
           "the river crossings for ten years.")
    copy = "\n".join([teaser, *paragraphs[:3], bio])
    pages = [("http://herald.test/bridge", BRIDGE), ("http://agg.test/bridge-excerpt", copy)]
    index = StoryIndex(DedupOptions())
    first, second = pages if original_first else pages[::-1]
    assert add(index, *first) == add(index, *second)
    # A page about the museum that quotes the bridge story's opening is not its copy.
    other = "\n".join([*MUSEUM.split("\n"), paragraphs[0]])
    assert add(index, "http://tribune.test/museum-and-bridge", other) != index.story_of(
        "http://herald.test/bridge")


@pytest.mark.parametrize("original_first", [True, False])
def test_an_excerpt_naming_its_source_joins_it_whatever_else_the_page_carries(
        original_first: bool) -> None:
    # The original's opening in one run, then more lines of the aggregator's own than the
    # excerpt (teasers of its other stories the cleanup kept): named as the source, the
    # opening is enough; unnamed, such a page may be another story quoting this one's lead.
    paragraphs = BRIDGE.split("\n")
    copy = "\n".join([*paragraphs[:2], *MUSEUM.split("\n")[:3]])
    original = "http://herald.test/bridge"
    pages = [(original, BRIDGE, PageFacts()),
             ("http://agg.test/bridge-excerpt", copy, PageFacts(source_url=original))]
    index = StoryIndex(DedupOptions())
    for url, text, facts in pages if original_first else pages[::-1]:
        index.add(url, text, facts)
    assert index.story_of("http://agg.test/bridge-excerpt") == index.story_of(original)
    unnamed = StoryIndex(DedupOptions())
    unnamed.add(original, BRIDGE)
    unnamed.add("http://agg.test/bridge-excerpt", copy)
    assert unnamed.story_of("http://agg.test/bridge-excerpt") != unnamed.story_of(original)


@pytest.mark.parametrize("original_first", [True, False])
def test_a_short_copy_with_a_note_after_the_lead_joins_in_either_order(original_first: bool) -> None:
    # The note shifts the copy's windows against the original's: the original's opening,
    # where copies start, is indexed at every half window so the copy finds it either way.
    paragraphs = BRIDGE.split("\n")
    note = ("Editor's note: This story has been updated to include comments from local "
            "officials and corrected figures.")
    copy = "\n".join([paragraphs[0], note, paragraphs[1]])
    pages = [("http://herald.test/bridge", BRIDGE), ("http://agg.test/bridge-noted", copy)]
    index = StoryIndex(DedupOptions())
    first, second = pages if original_first else pages[::-1]
    assert add(index, *first) == add(index, *second)


def test_a_site_whose_pages_copy_text_found_elsewhere_is_an_aggregator() -> None:
    # agg.test's copies carry their links in a form nobody understood (no source_url), and
    # they are dated while the publishers' pages, reached through those links, show no
    # machine-readable date: only what agg.test does tells it is an aggregator.
    texts = {"bridge": BRIDGE, "budget": HERALD, "tribune": TRIBUNE, "museum": MUSEUM}
    copies = [(f"http://agg.test/{name}", text, PageFacts(published="2024-01-01"))
              for name, text in texts.items()]
    originals = [(f"http://{name}.test/story", text, PageFacts(on_crawled_site=False))
                 for name, text in texts.items()]
    for order in (copies + originals, originals + copies):
        index = StoryIndex(DedupOptions())
        for url, text, facts in order:
            index.add(url, text, facts)
        index.settle()
        assert index.is_aggregator("http://agg.test/bridge")
        assert not index.is_aggregator("http://bridge.test/story")
        for name in texts:
            story = index.story_of(f"http://agg.test/{name}")
            assert index.canonical_url(story) == f"http://{name}.test/story"
    # A crawled publisher whose pages are its own is not one.
    index = StoryIndex(DedupOptions())
    for name, text in texts.items():
        index.add(f"http://herald.test/{name}", text, PageFacts(published="2024-01-01"))
    assert not index.is_aggregator("http://herald.test/bridge")


@pytest.mark.parametrize("excerpt_first", [True, False])
def test_pages_merged_into_a_story_found_elsewhere_count_as_copies(excerpt_first: bool) -> None:
    # agg.test's excerpt of the bridge story stands alone until another site's full copy
    # links it with the original's tail, fetched from the outlet: then the excerpt too
    # copies what was found elsewhere, and so do two of agg.test's four pages.
    paragraphs = BRIDGE.split("\n")
    bridge = [("http://agg.test/bridge-excerpt", "\n".join(paragraphs[:2]), True),
              ("http://herald.test/bridge", "\n".join(paragraphs[1:]), False)]
    pages = [*(bridge if excerpt_first else bridge[::-1]),
             ("http://agg.test/museum", MUSEUM, True),
             ("http://museum.test/story", MUSEUM, False),
             ("http://agg.test/budget", HERALD, True),
             ("http://agg.test/tribune", TRIBUNE, True)]
    index = StoryIndex(DedupOptions())
    for url, text, crawled in pages:
        index.add(url, text, PageFacts(on_crawled_site=crawled))
    assert index.story_of("http://agg.test/bridge-excerpt") != index.story_of("http://herald.test/bridge")
    assert not index.is_aggregator("http://agg.test/budget")  # one of four pages copies
    index.add("http://mirror.test/bridge", BRIDGE)
    assert index.story_of("http://agg.test/bridge-excerpt") == index.story_of("http://herald.test/bridge")
    assert index.is_aggregator("http://agg.test/budget")

from __future__ import annotations

import pytest

from crawler.urls import url_key
from pipelines.canonical import Member, choose_canonical, resolve_chain

COPY_A = Member("http://agg-a.test/1", "2026-03-03", "http://pub.test/story")
COPY_B = Member("http://agg-b.test/1", "2026-03-04", "http://pub.test/story")
ORIGINAL = Member("http://pub.test/story", "2026-03-02", None)


def sources(*members: Member) -> dict[str, str]:
    return {url_key(m.url): m.source_url for m in members if m.source_url}


def test_page_the_copies_cite_wins_even_before_it_is_crawled() -> None:
    chosen = choose_canonical([COPY_A, COPY_B], sources(COPY_A, COPY_B))
    assert chosen.url == "http://pub.test/story"
    assert chosen.reason == "cited by 2 page(s)"


def test_chain_of_copies_resolves_to_the_end() -> None:
    chained = Member("http://agg-c.test/1", "2026-03-05", COPY_A.url)
    members = [chained, COPY_A]
    assert choose_canonical(members, sources(*members)).url == "http://pub.test/story"


def test_cycle_stops_and_still_chooses_deterministically() -> None:
    a = Member("http://a.test/x", "2026-03-02", "http://b.test/x")
    b = Member("http://b.test/x", "2026-03-01", "http://a.test/x")
    assert resolve_chain(a.url, sources(a, b)) == b.url
    assert choose_canonical([a, b], sources(a, b)) == choose_canonical([b, a], sources(a, b))


def test_without_citations_the_earliest_published_wins_then_url() -> None:
    late = Member("http://a.test/x", "2026-03-09", None)
    early = Member("http://z.test/x", "2026-03-01", None)
    undated = Member("http://0.test/x", None, None)
    assert choose_canonical([late, undated, early], {}).url == early.url
    twin = Member("http://b.test/x", "2026-03-01", None)
    assert choose_canonical([twin, early], {}).url == choose_canonical([early, twin], {}).url == twin.url


@pytest.mark.parametrize(("earlier", "later"), [
    ("2026-03-05T10:00:00+02:00", "2026-03-05T09:00:00+00:00"),  # 08:00 UTC before 09:00 UTC
    ("2026-03-05T23:30:00-05:00", "2026-03-06T05:00:00Z"),  # 04:30 UTC, the next day in UTC
    ("2026-03-04", "2026-03-05T00:10:00+00:00"),  # the day before, whatever its time
    ("2026-03-05T08:00:00+00:00", "2026-03-05"),  # a known time before "some time that day"
    ("2026-03-05T08:00:00", "2026-03-05T09:00:00+00:00"),  # naive taken as UTC
    ("2026-03-09", "yesterday"),  # not a date: unknown, after every known date
])
def test_earliest_published_compares_instants_not_text(earlier: str, later: str) -> None:
    # URLs ordered against the dates, so a choice by text or by URL would be wrong.
    first = Member("http://z.test/x", earlier, None)
    second = Member("http://a.test/x", later, None)
    assert choose_canonical([second, first], {}).url == first.url


def test_credited_wire_page_beats_the_reprint_the_copies_cite() -> None:
    reprint = Member("http://pub.test/story", "2026-03-02", None, "Daily Pub", "Globewire")
    wire = Member("http://globewire.test/quake", "2026-03-02T09:00", None, "Globewire")
    copy = Member("http://agg.test/1", "2026-03-03", reprint.url, "Agg", "Globewire")
    chosen = choose_canonical([copy, reprint, wire], sources(copy))
    assert chosen.url == wire.url and "credited outlet Globewire" in chosen.reason


def test_aggregator_pages_lose_to_publisher_pages() -> None:
    aggregator_copy = Member("http://agg.test/1", "2026-03-01", None)  # cites nothing
    copy = Member("http://agg.test/2", "2026-03-02", aggregator_copy.url)
    publisher = Member("http://pub.test/story", "2026-03-03", None)
    chosen = choose_canonical([aggregator_copy, copy, publisher], sources(copy),
                              is_aggregator=lambda url: url.startswith("http://agg.test/"))
    assert chosen.url == publisher.url


def test_empty_story_is_an_error() -> None:
    with pytest.raises(ValueError):
        choose_canonical([], {})


@pytest.mark.parametrize("cited", [
    "https://www.pub.test/story/", "http://pub.test/story/amp", "http://pub.test/amp/story",
    "http://pub.test/story?utm_source=agg#top",
])
def test_cited_variants_of_a_crawled_url_count_for_it(cited: str) -> None:
    original = Member("http://pub.test/story", "2026-03-02", None)
    copy = Member("http://agg.test/1", "2026-03-01", cited)
    chosen = choose_canonical([copy, original], sources(copy))
    assert chosen.url == original.url and chosen.reason == "cited by 1 page(s)"

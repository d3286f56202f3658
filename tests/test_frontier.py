"""The frontier's bounds: what one page adds, what one site gets, a listing read twice."""

from __future__ import annotations

from collections import Counter

from crawler.frontier import Frontier, worth_following


def test_a_repeated_link_is_admitted_once_and_counts_once_against_the_site_budget() -> None:
    events: Counter[str] = Counter()
    frontier = Frontier(100, 3, lambda event, n: events.update({event: n}))
    urls = ["http://a.test/1", "http://a.test/1", "http://a.test/2", "http://a.test/1",
            "http://a.test/3", "http://a.test/4", "http://b.test/1"]
    assert [u for u in urls if frontier.admit(u)] == [
        "http://a.test/1", "http://a.test/2", "http://a.test/3", "http://b.test/1"]
    assert events == {"crawl/skipped/site_page_limit": 1}  # a.test/4 only


def test_links_per_page_are_capped_and_a_listing_seen_before_is_not_followed() -> None:
    events: Counter[str] = Counter()
    frontier = Frontier(2, 100, lambda event, n: events.update({event: n}))
    page = ["http://a.test/c", "http://a.test/a", "http://a.test/b", "http://a.test/a"]
    assert frontier.links_to_follow(page) == ["http://a.test/a", "http://a.test/b"]
    assert frontier.links_to_follow(reversed(page)) == []  # the same links again
    assert events == {"crawl/skipped/links_over_page_limit": 1,
                      "crawl/skipped/same_links_as_another_page": 1}


def test_search_results_and_files_are_not_pages() -> None:
    assert worth_following("http://a.test/2026/story.html")
    assert not worth_following("http://a.test/?s=bridge")
    assert not worth_following("http://a.test/files/report.PDF")
    assert not worth_following("http://a.test/img/photo.jpg")

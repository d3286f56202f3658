from __future__ import annotations

from datetime import date

import pytest

from pipelines.dates import shown_publication_date, url_date


@pytest.mark.parametrize(("shown", "day"), [
    ("By Ana Ruiz | Dec. 8, 2025", "2025-12-08"),
    ("Published 8 December 2025", "2025-12-08"),
    ("Sept. 4, 2025", "2025-09-04"),
    ("December 15th 2025", "2025-12-15"),
    ("8 décembre 2025", "2025-12-08"),
    ("3 juil. 2024", "2024-07-03"),
    ("4 de marzo de 2024", "2024-03-04"),
    ("Veröffentlicht am 08.12.2025", "2025-12-08"),  # dots: day first
    ("12/8/25", "2025-12-08"),  # slashes: month first
    ("13/12/2024", "2024-12-13"),  # ...unless only day first is a date
    ("2025-12-08T10:00", "2025-12-08"),
])
def test_a_shown_date_is_read_as_the_calendar_day_it_names(shown: str, day: str) -> None:
    assert shown_publication_date(shown) == day


@pytest.mark.parametrize("shown", [
    "Updated Dec. 9, 2025 · Published Aug 1, 2025",
    "Last updated on: 2025-12-09 | First published 1 August 2025",
    "Aktualisiert: 09.12.2025, veröffentlicht 01.08.2025",
])
def test_a_revision_date_is_passed_over_for_the_publication(shown: str) -> None:
    assert shown_publication_date(shown) in ("2025-08-01",)


@pytest.mark.parametrize("shown", ["31.02.2025", "Updated Dec. 9, 2025", "© 2025 Riverpost",
                                   "Jun 2025", "Chapter 12/8"])
def test_no_publication_date_when_none_is_shown(shown: str) -> None:
    assert shown_publication_date(shown) is None


def test_a_date_still_to_come_is_an_events_not_the_publications() -> None:
    shown = "Festival returns on June 5, 2027 · Posted May 2, 2026"
    assert shown_publication_date(shown, today=date(2026, 5, 2)) == "2026-05-02"


@pytest.mark.parametrize(("url", "day"), [
    ("http://news.test/local/2008/03/13/dam.html", "2008-03-13"),
    ("http://news.test/2008-03-13-dam-spillway", "2008-03-13"),
    ("http://news.test/archive/20080313/dam", "2008-03-13"),
    ("http://news.test/2008/03/dam.html", None),  # a month's archive, not a day
    ("http://news.test/2025/02/30/dam", None),  # no such day
    ("http://news.test/story/120080313991", None),  # a number that holds digits of a date
    ("http://news.test/dam?date=2008/03/13", None),  # the query is not where a page is filed
])
def test_the_day_a_url_files_a_page_under(url: str, day: str | None) -> None:
    assert url_date(url, today=date(2026, 12, 1)) == day


def test_a_url_day_still_to_come_is_no_publication_day() -> None:
    assert url_date("http://news.test/2027/01/05/preview", today=date(2026, 12, 1)) is None

"""Choose a story's original publication from the evidence its pages give."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from crawler.urls import url_key
from pipelines.credits import same_outlet


@dataclass(frozen=True)
class Member:
    url: str
    published: str | None  # ISO 8601 date or datetime
    source_url: str | None
    site: str | None = None  # the site's name
    credited_to: str | None = None  # the outlet the page's text credits


@dataclass(frozen=True)
class Canonical:
    url: str
    #: Why this page: "cited by 3 pages" or "earliest published" or "first seen".
    reason: str


def resolve_chain(url: str, source_of: Mapping[str, str]) -> str:
    """Follow "copies" links from `url` to the page at the end of the chain (cycles stop).

    `source_of` maps the url_key of a page to the URL it cites (or, for a URL that redirected,
    to the page it led to), so http/https, "www." and trailing-slash variants meet.
    """
    seen = {url_key(url)}
    while (following := source_of.get(url_key(url))) is not None and url_key(following) not in seen:
        seen.add(url_key(following))
        url = following
    return url


def choose_canonical(members: Sequence[Member], source_of: Mapping[str, str],
                     is_aggregator: Callable[[str], bool] = lambda url: False) -> Canonical:
    """The story's original. Candidates are the pages the members' citations lead to
    (following chains of copies) and the members that cite nothing. They are ranked by:
    1. being on the site of an outlet the members credit ("(Globewire) —"), so a wire's own
       page beats the publishers' reprints of it;
    2. not being on an aggregator site;
    3. how many members cite it;
    4. the earliest publication date; then URL, so the choice is deterministic.

    Raises:
        ValueError: for a story with no members.
    """
    if not members:
        raise ValueError("a story needs at least one member")
    by_url = {m.url: m for m in members}
    crawled = {url_key(m.url): m.url for m in members}
    # A cited URL that is a variant of a member's URL counts for the member.
    citations = Counter(
        crawled.get(url_key(end), end)
        for m in members if m.source_url is not None
        if (end := resolve_chain(m.url, source_of))
    )
    candidates = set(citations) | {m.url for m in members if m.source_url is None}
    if not candidates:  # every member cites another member: a cycle
        candidates = set(by_url)
    credits = [m.credited_to for m in members if m.credited_to]

    def credited(url: str) -> bool:
        site = by_url[url].site if url in by_url else None
        return bool(site) and any(same_outlet(c, site or "") for c in credits)

    def rank(url: str) -> tuple[bool, bool, int, tuple[bool, date, int], str]:
        published = by_url[url].published if url in by_url else None
        return (not credited(url), is_aggregator(url), -citations[url],
                _date_order(published), url)

    best = min(candidates, key=rank)
    if credited(best):
        reason = f"page of the credited outlet {by_url[best].site}"
    elif citations[best]:
        reason = f"cited by {citations[best]} page(s)"
    else:
        reason = "earliest published" if best in by_url and by_url[best].published else "first by URL"
    if is_aggregator(best):
        reason += " (aggregator page: no publisher page known)"
    return Canonical(best, reason)


def _date_order(published: str | None) -> tuple[bool, date, int]:
    """Sort key: known dates first, earliest first, as instants: a datetime with an offset
    is compared in UTC (a naive one is taken as UTC), so "10:00+02:00" is before
    "09:00+00:00". A date without a time may be any time that day: it comes after the day's
    known times. A value that is not ISO 8601 counts as unknown."""
    when = _parse_published(published)
    if when is None:
        return (True, date.max, 0)
    if isinstance(when, datetime):
        utc = when.astimezone(UTC) if when.tzinfo else when
        return (False, utc.date(), utc.hour * 3600 + utc.minute * 60 + utc.second)
    return (False, when, _WHOLE_DAY)


_WHOLE_DAY = 24 * 3600


def _parse_published(published: str | None) -> date | datetime | None:
    if not published:
        return None
    text = published.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        return None

"""Choose a story's original publication from the evidence its pages give."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Member:
    url: str
    published: str | None  # ISO 8601, comparable as text
    source_url: str | None


@dataclass(frozen=True)
class Canonical:
    url: str
    #: Why this page: "cited by 3 pages" or "earliest published" or "first seen".
    reason: str


def resolve_chain(url: str, source_of: Mapping[str, str]) -> str:
    """Follow "copies" links from `url` to the page at the end of the chain (cycles stop)."""
    seen = {url}
    while (following := source_of.get(url)) is not None and following not in seen:
        seen.add(following)
        url = following
    return url


def choose_canonical(members: Sequence[Member], source_of: Mapping[str, str]) -> Canonical:
    """The story's original: the page its copies cite (through chains of copies), else the
    earliest published page, ties broken by URL so the choice is deterministic.

    Raises:
        ValueError: for a story with no members.
    """
    if not members:
        raise ValueError("a story needs at least one member")
    published = {m.url: m.published for m in members}
    citations = Counter(
        resolve_chain(m.url, source_of) for m in members if m.source_url is not None
    )
    if citations:
        best = min(
            citations,
            key=lambda url: (-citations[url], _date_order(published.get(url)), url),
        )
        return Canonical(best, f"cited by {citations[best]} page(s)")
    dated = [m for m in members if m.published]
    if dated:
        first = min(dated, key=lambda m: (m.published or "", m.url))
        return Canonical(first.url, "earliest published")
    return Canonical(min(m.url for m in members), "first by URL (no dates)")


def _date_order(published: str | None) -> tuple[bool, str]:
    """Sort key: known dates first, earliest first."""
    return (published is None, published or "")

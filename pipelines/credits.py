"""Wire and outlet credits in an article's text: "BEIRUT (Reuters) –", "— AFP", "By X staff".

A credit names who wrote a story even when the page links nothing; it lets the canonical
choice prefer the credited wire's own page over a publisher's reprint of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NAME = r"(?P<name>[A-Z][\w&.'’-]*(?:\s+[A-Z][\w&.'’-]*){0,4})"
_DASH = r"\s*[—–-]+\s*"
_CREDIT_PATTERNS = (
    # Dateline: "BEIRUT (Reuters) – ...", "(AP) — ...", "SANTA LUCIA, Chile (AFP) - ...",
    # "LONDON, March 3 (Reuters): ...", "PARIS (AFP) | ..."
    re.compile(rf"^(?:[A-Z][\w .,'’-]{{0,40}}\s)?\({_NAME}\)(?:{_DASH}|\s*[:|]\s*)\S"),
    # A dateline in capitals with no dash: "WASHINGTON (AP) The Senate ..." (not
    # "Smith (Democrat) said ...": the place is written in capitals).
    re.compile(rf"^[A-Z][A-Z .,'’-]{{1,40}}\s\({_NAME}\)\s+[A-Z]"),
    # A credit closing the text: "... the ministry said. (Reuters)" (not "the agency (NASA).")
    re.compile(rf"^.*[.!?\"”]\s*\({_NAME}\)\s*$"),
    # Closing credit line: "— Globewire", "- Reuters"
    re.compile(rf"^[—–-]+\s*{_NAME}\.?$"),
    # Staff byline: "By Continental Press Service staff", "Reuters staff". Only the lead-in
    # and role words ignore case: a name's words are capitalised ("He said UN staff" is prose).
    re.compile(rf"^(?i:by\s+)?{_NAME}\s+(?i:staff|reporters|correspondents?)\b"),
    # A byline naming the outlet after the writer: "By Jane Doe, Associated Press",
    # "By Jane Doe | Globewire" (a role there, "Staff Writer", matches no site: harmless).
    re.compile(rf"^(?i:by)\s+[A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*){{0,3}}\s*[,|/]\s*{_NAME}\s*$"),
    # "Credit: AFP", "Courtesy of The Harbor Courier", "© Associated Press 2026"
    re.compile(rf"^(?i:credit|courtesy(?:\s+of)?|©|\(c\)|copyright)\s*:?\s*(?:\d{{4}}\s+)?{_NAME}"),
)
# Words that look like a name in a dateline but are not an outlet.
_NOT_OUTLETS = frozenset(
    "update updated photo photos video file watch live pictured monday tuesday wednesday "
    "thursday friday saturday sunday".split()
)


def find_credit(blocks: Iterable[str], own_name: str | None = None) -> str | None:
    """The agency or outlet a page's text credits, or None.

    Args:
        blocks: the texts of the page's paragraphs, in order.
        own_name: the page's own site name; a page crediting itself credits nobody.
    """
    for block in blocks:
        block = block.strip()
        for pattern in _CREDIT_PATTERNS:
            match = pattern.match(block)
            if match is None:
                continue
            name = match.group("name").strip(" .")
            if name.lower() not in _NOT_OUTLETS and not (own_name and same_outlet(name, own_name)):
                return name
    return None


def same_outlet(credit: str, site_name: str) -> bool:
    """True when a credit and a site name name one outlet ("The Globewire" ~ "Globewire")."""
    return _key(credit) == _key(site_name) != ""


def _key(name: str) -> str:
    return re.sub(r"^the|[^a-z0-9]", "", name.lower())

"""Dates as pages show them to readers: "Dec. 8, 2025", "8 décembre 2025", "08.12.2025".

A page's declared publication date (JSON-LD, meta tags) comes first; when it declares none,
the date printed by the headline is what the publisher tells readers, and a better guess
than a date found anywhere on the page (copyright years, comment and sidebar dates); then
the day the URL files the page under ("/2008/03/13/").
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urlsplit

# Month names in the languages we support (en, de, fr, es, it, pt, nl), in month order;
# a name may also be written as its first three letters ("Dec.", "Okt").
_MONTH_NAMES = (
    "january januar janvier enero gennaio janeiro januari",
    "february februar février fevrier febrero febbraio fevereiro februari",
    "march märz marz mars marzo março marco maart",
    "april avril abril aprile",
    "may mai mayo maggio maio mei",
    "june juni juin junio giugno junho",
    "july juli juillet julio luglio julho",
    "august août aout agosto augustus",
    "september septembre septiembre settembre setembro",
    "october oktober octobre octubre ottobre outubro",
    "november novembre noviembre novembro",
    "december dezember décembre decembre diciembre dicembre dezembro",
)
_MONTH_FORMS = [
    (form, number)
    for number, names in enumerate(_MONTH_NAMES, start=1)
    for name in names.split()
    for form in (name, name[:3], name[:4])  # "Dec.", "Sept.", "févr."
]
# An abbreviation two months share ("jui": juin, juillet) names neither.
_MONTHS_OF = Counter(form for form, _ in set(_MONTH_FORMS))
_MONTH_NUMBER = {form: number for form, number in _MONTH_FORMS if _MONTHS_OF[form] == 1}
MONTH_NAME = "|".join(sorted(map(re.escape, _MONTH_NUMBER), key=len, reverse=True))
_YEAR = r"(?:19|20)\d\d"
# A date as datelines write it: 2025-12-08, 08.12.2025, 12/8/25, Dec. 8, 2025, 8 décembre 2025.
DATE = re.compile(
    rf"\b(?:(?P<iso_y>{_YEAR})[-/.](?P<iso_m>\d{{1,2}})[-/.](?P<iso_d>\d{{1,2}})"
    rf"|(?P<num_a>\d{{1,2}})(?P<sep>[-/.])(?P<num_b>\d{{1,2}})[-/.](?P<num_y>(?:19|20)?\d\d)"
    rf"|(?P<name_m>{MONTH_NAME})\.?\s+(?P<name_d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<name_y>{_YEAR})"
    rf"|(?P<day>\d{{1,2}})\.?\s+(?:de\s+)?(?P<month>{MONTH_NAME})\.?\s+(?:de\s+)?(?P<year>{_YEAR})"
    rf")(?!\d)",
    re.IGNORECASE,
)
# Words that mark a shown date as a revision, not the publication: "Updated Dec. 9, 2025".
_REVISED = re.compile(
    r"\b(updated|modified|revised|reviewed|edited|last\s+changed|aktualisiert|geändert"
    r"|mis\s+à\s+jour|modifié|actualizado|modificado|aggiornato|modificato|atualizado"
    r"|bijgewerkt)\b\W{0,3}(on|at|am|le|el|il|em|op)?\W{0,3}$",
    re.IGNORECASE,
)
# How far before a date the revision words may stand ("Updated on: ").
_REVISED_WINDOW = 30


def parse_shown_date(match: re.Match[str]) -> date | None:
    """The calendar day a DATE match names; None for an impossible one ("31.02.2025").
    Numbers alone are read as the separator suggests: "12/8/25" month first (US), "08.12.2025"
    and "08-12-2025" day first, unless only the other order is a date."""
    groups = match.groupdict()
    try:
        if groups["iso_y"]:
            return date(int(groups["iso_y"]), int(groups["iso_m"]), int(groups["iso_d"]))
        if groups["name_m"]:
            return date(int(groups["name_y"]), _month(groups["name_m"]), int(groups["name_d"]))
        if groups["month"]:
            return date(int(groups["year"]), _month(groups["month"]), int(groups["day"]))
    except ValueError:
        return None
    first, second, year = int(groups["num_a"]), int(groups["num_b"]), int(groups["num_y"])
    year += 2000 if year < 100 else 0
    orders = ((first, second), (second, first))
    for month, day in orders if groups["sep"] == "/" else reversed(orders):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return None


def shown_publication_date(text: str, today: date | None = None) -> str | None:
    """The first date in `text` (the words around a headline) that is not marked as a
    revision, as YYYY-MM-DD. A date after `today` (tomorrow, for time zones ahead) is an
    event's, not the publication's."""
    latest = (today or date.today()) + timedelta(days=1)
    for match in DATE.finditer(text):
        if _REVISED.search(text[max(0, match.start() - _REVISED_WINDOW): match.start()]):
            continue
        shown = parse_shown_date(match)
        if shown is not None and shown <= latest:
            return shown.isoformat()
    return None


# A day a URL's path spells, as CMSs file articles: "/2008/03/13/", "/2008-03-13-title",
# "/20080313/".
_URL_DAY = re.compile(rf"(?<!\d)({_YEAR})([/_-]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])(?!\d)")


def url_date(url: str, today: date | None = None) -> str | None:
    """The day the URL's path files the page under, as YYYY-MM-DD; None when it spells no
    whole day (a year and month alone are an archive's, not a publication day)."""
    latest = (today or date.today()) + timedelta(days=1)
    match = _URL_DAY.search(urlsplit(url).path)
    if match is None:
        return None
    try:
        day = date(int(match[1]), int(match[3]), int(match[4]))
    except ValueError:  # "/2025/02/30/"
        return None
    return day.isoformat() if day <= latest else None


def _month(name: str) -> int:
    return _MONTH_NUMBER[name.lower()]

"""An article's metadata: what the page's structured data (JSON-LD, meta tags) states, and
how a headline and an author are read from what the page shows.

Structured data comes first because it is what the publisher states; trafilatura's guesses
fill only what is missing. A field not found is None, never a guess from boilerplate: a
headline is the title without the site's name, or the page's <h1> when the two agree; an
author is a name, from the metadata or from a byline by the headline.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml.html import HtmlElement

from crawler.urls import site_of
from pipelines.dates import MONTH_NAME
from pipelines.jsonld import jsonld_objects

# schema.org's Article and its subtypes (NewsArticle, BlogPosting, Report, ...), in any case.
_ARTICLE_TYPES = re.compile(r"article|posting|report", re.IGNORECASE)
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[\w]+)?")


@dataclass(frozen=True)
class PageMetadata:
    is_article: bool = False
    headline: str | None = None
    author: str | None = None
    published: str | None = None
    modified: str | None = None
    description: str | None = None
    image: str | None = None
    language: str | None = None
    #: What the page says it is: its og:type and JSON-LD @type values, lower-cased.
    declared_types: frozenset[str] = frozenset()
    #: The text of the page's <h1>, when it has exactly one: the headline a reader sees.
    shown_headline: str | None = None
    #: The page's <title>, whole.
    page_title: str | None = None


def is_article_type(declared: object) -> bool:
    """True for a declared type (a JSON-LD @type, a list of them, an og:type, a microdata
    itemtype) naming an article."""
    return bool(_ARTICLE_TYPES.search(str(declared or "")))


def read_metadata(root: HtmlElement) -> PageMetadata:
    """What the page's meta tags and JSON-LD say about the article."""
    meta = _meta_tags(root)
    objects = list(jsonld_objects(root))
    article: dict[str, Any] = next(
        (item for item in objects if is_article_type(item.get("@type"))), {})
    return PageMetadata(
        is_article=bool(article) or meta.get("og:type", "").lower() == "article",
        headline=_text(article.get("headline")),
        author=_author(article.get("author")),
        published=_date(article.get("datePublished"))
        or _date(meta.get("article:published_time") or meta.get("pubdate")),
        modified=_date(article.get("dateModified"))
        or _date(meta.get("article:modified_time") or meta.get("og:updated_time")),
        description=_text(article.get("description"))
        or meta.get("og:description") or meta.get("description"),
        image=_image(article.get("image")) or meta.get("og:image"),
        language=_language(root),
        declared_types=frozenset(
            {t.lower() for item in objects for t in _types(item.get("@type"))}
            | ({meta["og:type"].lower()} if meta.get("og:type") else set())),
        shown_headline=_only_h1(root),
        page_title=_text(root.findtext(".//title")),
    )


def _only_h1(root: HtmlElement) -> str | None:
    headings = root.findall(".//body//h1")
    return _text(headings[0].text_content()) if len(headings) == 1 else None


def headline_of(title: str | None, shown: str | None, site_names: Iterable[str | None],
                url: str, page_title: str | None = None) -> str | None:
    """The article's headline from the title its metadata gives (og:title, <title>) and the
    one it shows (its only <h1>): the shown one when it agrees with the title (half its words
    are there), since og:title and <title> are written for search and sharing ("Best Movers
    2026 | Top 19 Companies"); else the title without the site's name ("Headline | Site",
    "Site - Headline"). Entities escaped twice by the page's CMS ("&amp;#8211;") are read.
    `page_title`: the page's whole <title>, of which `title` may be the first part only
    (trafilatura keeps that part, the site's name in "Site - Headline")."""
    site_names = list(site_names)
    if title and page_title and _first_part(title, page_title):
        whole = html.unescape(page_title)
        headline = _without_site_name(whole, site_names, url)
        title = headline if headline != whole else title
    if title:
        title = _without_site_name(html.unescape(title), site_names, url)
    if shown and title:
        shown = html.unescape(shown)
        words = _TITLE_WORDS.findall(shown.casefold())
        in_title = set(_TITLE_WORDS.findall(title.casefold()))
        if len(words) >= _SHOWN_HEADLINE_MIN_WORDS and \
                sum(w in in_title for w in words) >= _SHOWN_HEADLINE_AGREEMENT * len(words):
            return shown
    return title


def _first_part(title: str, page_title: str) -> bool:
    """`title` is all of `page_title` before its last separator, as trafilatura cuts it."""
    rest = page_title[len(title):] if page_title.startswith(title) else ""
    separator = TITLE_SEPARATOR.match(rest)
    return separator is not None and not TITLE_SEPARATOR.search(rest, separator.end())


_TITLE_WORDS = re.compile(r"\w+")
_SHOWN_HEADLINE_MIN_WORDS = 3  # fewer: a logo or a section's name ("Our Blog")
_SHOWN_HEADLINE_AGREEMENT = 0.5
# Between a headline and the site's name: "Headline | Site", "Site - Headline", "Headline •
# Site", "Headline :: Site".
TITLE_SEPARATOR = re.compile(r"\s+(?:[|–•·—~»:-]|::)\s+")
_SITE_NAME_MAX_WORDS = 5
_LETTERS_AND_DIGITS = re.compile(r"[\W_]+")


def _without_site_name(title: str, site_names: Iterable[str | None], url: str) -> str:
    separators = list(TITLE_SEPARATOR.finditer(title))
    if not separators:
        return title
    names = {_letters(name) for name in site_names if name}
    label = _letters(site_of(url).split(".")[0])
    last, first = separators[-1], separators[0]
    if _names_the_site(title[last.end():], names, label):
        return title[:last.start()].strip()
    if _names_the_site(title[:first.start()], names, label):
        return title[first.end():].strip()
    return title


def _names_the_site(part: str, names: set[str], label: str) -> bool:
    """The part of a title is the site's name: a name the page gives its site, or the
    domain's name ("Tastewise" on tastewise.com, "Google Cloud" on google.com)."""
    letters = _letters(part)
    if not letters or len(part.split()) > _SITE_NAME_MAX_WORDS:
        return False
    return letters in names or letters == label or (
        len(label) >= _SITE_LABEL_MIN_LETTERS and label in letters)


# A shorter domain name is found inside words by chance ("ap", "bbc" in "abbcd").
_SITE_LABEL_MIN_LETTERS = 4


def _letters(text: str) -> str:
    return _LETTERS_AND_DIGITS.sub("", text.casefold())


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def site_name_from_title(page_title: str | None, headline: str | None) -> str | None:
    """The site's name as the <title> gives it beside the headline: "Headline | Site", or
    "Site - Headline" when the part after the separator is the headline."""
    title = page_title or ""
    for separator in (" | ", " - ", " — ", " – ", " :: "):
        head, found, tail = title.rpartition(separator)
        if found and head and 0 < len(tail.split()) <= 5 and tail != headline:
            return tail
        if found and headline and tail == headline and 0 < len(head.split()) <= 5:
            return head
    return None


def _meta_tags(root: HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = str(meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = " ".join(str(meta.get("content") or "").split())
        if key and content:
            found.setdefault(key, content)
    return found


def _text(value: Any) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _author(value: Any) -> str | None:
    if isinstance(value, list):
        names = [name for v in value if (name := _author(v))]
        return ", ".join(names) or None
    if isinstance(value, dict):
        return _text(value.get("name"))
    return _text(value)


def _image(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, dict):
        value = value.get("url")
    return _text(value)


def _date(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return text


def _language(root: HtmlElement) -> str | None:
    lang = str(root.get("lang") or "").strip().lower()
    return lang.split("-")[0] if _LANGUAGE.fullmatch(lang) else None


# Words that introduce a byline, in the languages we support: "By", "Von", "Par", "Por",
# "Di", "Door", "Written by", "Posted by", "Author:".
_BYLINE_LEAD_INS = r"by|von|par|por|di|door|written\s+by|posted\s+by|autor|author"
_BYLINE_LEAD = re.compile(rf"^\W*(?:{_BYLINE_LEAD_INS})\s*:?(?:\s+|$)", re.IGNORECASE)
# What a byline's name runs into: "Jane Doe Last updated ...", "Jane Doe December 3, 2025",
# "Jane Doe Dec. 3", "Jane Doe Staff Writer". A month's name alone may be a name's ("May",
# "June"), not its abbreviation ("Dec").
_AFTER_NAME = re.compile(
    rf"(?:^|\s+)(?:(?:last\s+)?(?:updated|published|posted)\b.*"
    rf"|(?:{MONTH_NAME})\.?\s+\d.*|(?:january|february|august|september|october|november"
    rf"|december|jan|feb|aug|sept?|oct|nov|dec)\b\.?(?:\s.*)?"
    rf"|(?:(?:senior|staff|contributing|tech|lead|chief|managing|deputy|associate|guest)\s+)*"
    rf"(?:writer|reporter|editor|correspondent|contributor|columnist|founder|journalist)s?\b.*"
    rf")$", re.IGNORECASE)
_ONLY_A_DATE = re.compile(rf"^(?:{MONTH_NAME}|\d|\W)*$", re.IGNORECASE)


def author_name(value: str | None) -> str | None:
    """An author field as a name: without a byline's lead-in ("By", "Author"), quotes, the
    date or the role a template ran into it, or entities escaped twice; None when no name is
    left ("Written by", "Updated March")."""
    if not value:
        return None
    name = html.unescape(value).strip().strip('"“”')
    name = _BYLINE_LEAD.sub("", name).lstrip(",;:|-–— ")
    name = _AFTER_NAME.sub("", name).rstrip(",;:|-–— ")
    return None if _ONLY_A_DATE.fullmatch(name) else name


# A byline shown by the headline: its lead-in in any case, then two to five words on its
# line that start with a capital (or a name's particle): "By Jane Doe", "Von Anna Müller".
_SHOWN_BYLINE = re.compile(
    rf"(?i:\b(?:{_BYLINE_LEAD_INS}))[^\S\n]*:?[^\S\n]+"
    r"(?P<name>[A-Z][\w'’.-]*(?:[^\S\n]+(?:[A-Z][\w'’.-]*|van|von|de|der|da|del|la|le)){1,4})")


def shown_author(around_headline: str) -> str | None:
    """The author a byline by the headline names, for pages whose metadata names none."""
    match = _SHOWN_BYLINE.search(around_headline)
    return author_name(match.group("name")) if match else None

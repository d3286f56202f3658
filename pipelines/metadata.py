"""An article's metadata from the page's own structured data (JSON-LD, meta tags).

Structured data comes first because it is what the publisher states; trafilatura's guesses
fill only what is missing. A field not found is None, never a guess from boilerplate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml.html import HtmlElement

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
    )


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def site_name_from_title(root: HtmlElement, headline: str | None) -> str | None:
    """The site's name as the <title> gives it after the headline: "Headline | Site"."""
    title = " ".join((root.findtext(".//title") or "").split())
    for separator in (" | ", " - ", " — ", " – ", " :: "):
        head, found, tail = title.rpartition(separator)
        if found and head and 0 < len(tail.split()) <= 5 and tail != headline:
            return tail
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

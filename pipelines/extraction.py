"""HTML -> main text and metadata. The only module that imports trafilatura."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

import lxml.html
from trafilatura import bare_extraction, load_html
from trafilatura.settings import Extractor

from pipelines.boilerplate import clean_text, prune_page

_ARTICLE_TYPES = re.compile(r"(News|Blog|Report|Scholarly|Tech|Opinion|Analysis)?Article|BlogPosting|Posting$")


@dataclass(frozen=True)
class Extraction:
    title: str | None
    text: str
    author: str | None
    published: str | None
    site: str | None
    language: str | None
    page_canonical: str | None


@dataclass(frozen=True)
class Rejection:
    """Why a page yields no article; `reason` is a short stats key ("too short")."""

    reason: str


@dataclass(frozen=True)
class ExtractionOptions:
    min_words: int = 10
    max_chars: int = 2_000_000
    fallbacks: bool = True
    #: trafilatura's mode: "precision", "recall" or "balanced".
    focus: str = "precision"

    def __post_init__(self) -> None:
        if self.focus not in ("precision", "recall", "balanced"):
            raise ValueError(f"focus must be precision, recall or balanced, got {self.focus!r}")
        if self.min_words < 1:
            raise ValueError(f"min_words must be at least 1, got {self.min_words}")
        if self.max_chars < 1000:
            raise ValueError(f"max_chars must be at least 1000, got {self.max_chars}")


class ArticleExtractor:
    """Extracts articles with one set of trafilatura options, built once."""

    def __init__(self, options: ExtractionOptions) -> None:
        self.options = options
        self._trafilatura = Extractor(
            output_format="python",
            fast=not options.fallbacks,
            precision=options.focus == "precision",
            recall=options.focus == "recall",
            comments=False,
            with_metadata=True,
            tables=True,
            dedup=False,
        )
        # Short briefs are articles too: keep trafilatura from replacing a short body with
        # the whole page's text ("baseline" extraction).
        self._trafilatura.min_extracted_size = 50
        self._trafilatura.min_output_size = 10

    def extract(self, html: str, url: str) -> Extraction | Rejection:
        if not html.strip():
            return Rejection("empty page")
        if "\x00" in html[:4096]:
            return Rejection("binary body")
        # trafilatura's own loader: its parser drops comments, which would otherwise cut
        # paragraphs short in trafilatura's tree walk.
        root = load_html(html[: self.options.max_chars])
        if root is None:
            return Rejection("parse error")
        structured = _structured_metadata(root)
        prune_page(root)
        document = bare_extraction(_focus(root), url=url, options=self._trafilatura)
        if document is None or not document.text:
            return Rejection("no main text")
        title = structured.get("headline") or document.title
        text = clean_text(document.text, title)
        if len(text.split()) < self.options.min_words:
            return Rejection("too short")
        if _mostly_link_text(text, root):
            return Rejection("not an article")
        return Extraction(
            title=title,
            text=text,
            author=structured.get("author") or document.author,
            published=structured.get("published") or document.date,
            site=document.sitename or _site_name_from_title(root, title),
            language=_language(root) or document.language,
            page_canonical=document.url,
        )


def _focus(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The page cut down to its one <article> holding the headline, when it has exactly one:
    a short article then cannot pull in the page's other blocks ("In Brief" headers)."""
    articles = [a for a in root.iter("article") if a.find(".//h1") is not None]
    body = root.find("body")
    if len(articles) != 1 or body is None or len(list(root.iter("article"))) != 1:
        return root
    for child in list(body):
        child.drop_tree()
    body.append(articles[0])
    return root


def _structured_metadata(root: lxml.html.HtmlElement) -> dict[str, str]:
    """Article type, headline, author and date from JSON-LD and meta tags."""
    found: dict[str, str] = {}
    og_type = root.xpath('string(//meta[@property="og:type"]/@content)').strip().lower()
    if og_type == "article":
        found["is_article"] = "og:type"
    published = root.xpath(
        'string(//meta[@property="article:published_time" or @name="pubdate"'
        ' or @itemprop="datePublished"]/@content)'
    ).strip()
    for script in root.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text_content() or "null")
        except ValueError:
            continue
        for obj in data if isinstance(data, list) else [data]:
            if not isinstance(obj, dict) or not _ARTICLE_TYPES.search(str(obj.get("@type", ""))):
                continue
            found["is_article"] = "json-ld"
            if isinstance(obj.get("headline"), str):
                found["headline"] = obj["headline"].strip()
            published = published or str(obj.get("datePublished") or "").strip()
            author = obj.get("author")
            if isinstance(author, list) and author:
                author = author[0]
            if isinstance(author, dict) and isinstance(author.get("name"), str):
                found["author"] = author["name"]
    if published and _valid_date(published):
        found["published"] = published
    return found


def _site_name_from_title(root: lxml.html.HtmlElement, headline: str | None) -> str | None:
    """The site's name as the <title> gives it after the headline: "Headline | Site"."""
    title = " ".join(root.findtext(".//title", "").split())
    for separator in (" | ", " - ", " — ", " – ", " :: "):
        head, found, tail = title.rpartition(separator)
        if found and head and 0 < len(tail.split()) <= 5 and tail != headline:
            return tail
    return None


def _valid_date(value: str) -> bool:
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _language(root: lxml.html.HtmlElement) -> str | None:
    lang = str(root.get("lang") or "").strip().lower()
    return lang.split("-")[0] if re.fullmatch(r"[a-z]{2,3}(-[\w]+)?", lang) else None


def _mostly_link_text(text: str, root: lxml.html.HtmlElement) -> bool:
    """True when most of the text's words are link texts: navigation or teaser headlines."""
    link_texts = {" ".join(a.text_content().split()).lower() for a in root.iter("a")}
    words = linked = 0
    for line in text.splitlines():
        count = len(line.split())
        words += count
        linked += count if line.lower() in link_texts else 0
    return linked >= 0.4 * words

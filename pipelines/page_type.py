"""Is a page an article? One decision from combined evidence.

A news crawler that follows links meets tag, author, section, product, forum, service and
legal pages all the time. No single sign tells them from articles (a product page has long
text, a short brief has few paragraphs), so the decision weighs many: what the page declares
(og:type, JSON-LD and microdata types), whether it is dated and signed, the URL's shape and
words, how much prose it has and how much of it the extraction kept, link density, linked
headings, form controls, prices and code blocks. They are weighed by gradient-boosted
decision trees (signs count together: no date and many linked headings is a listing, no date
alone is not) trained by bench/train_page_type.py on the tuning sets; its validation figures
are in the model file.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import unquote, urlsplit

from crawler.urls import site_of
from pipelines.dates import DATE
from pipelines.metadata import PageMetadata, is_article_type, shown_author
from pipelines.page_evidence import PageStructure

MODEL_FILE = Path(__file__).with_name("page_type_model.json")

_OTHER_TYPES = re.compile(
    r"^(website|product|video(\.\w+)?|profile|book|music\.\w+|collectionpage|itemlist|faqpage"
    r"|qapage|searchresultspage|organization|localbusiness|service|offer|event|course"
    r"|softwareapplication|discussionforumposting|howto)$"
)
_COMMERCE_TYPES = re.compile(r"^(product|offer|aggregateoffer|productgroup)$")
# Path words of page families that are not articles, in the languages we support. (Listing
# words, "/tag/", "/section/", were tried and left out: article URLs on other webs carry them,
# and the weight learned from the tuning webs dropped 1.8 % of the articles of an unseen one.)
_URL_WORDS = {
    "url_fixed_page": r"about|about-us|contact|contact-us|privacy|privacy-policy|terms|legal"
    r"|imprint|impressum|kontakt|datenschutz|agb|mentions-legales|contacto|aviso-legal"
    r"|privacidad|chi-siamo|contatti|over-ons|careers?|jobs|karriere|emplois|empleo|faq|help"
    r"|support|login|signin|sign-in|register|signup|account|cookies?|accessibility|sitemap",
    "url_commerce": r"products?|shop|store|cart|checkout|basket|pricing|produkt|produits?"
    r"|producto|warenkorb|panier|carrito|collections?",
    "url_discussion": r"forums?|threads?|community|discussions?|questions",
    "url_docs": r"docs?|documentation|reference|api|manual|wiki|kb",
}
_URL_WORD_PATTERNS = {
    name: re.compile(rf"(^|/)({words})(/|$|\.)", re.IGNORECASE) for name, words in _URL_WORDS.items()
}
_URL_DATE = re.compile(r"/(19|20)\d\d[/-](0?[1-9]|1[0-2])([/-]|$)|/(19|20)\d\d(0[1-9]|1[0-2])\d\d/")
_SENTENCE_END = ('.', '!', '?', '"', '”', '»', ':')


# Names of a site's fixed pages (who runs it, how to reach it, its rules, its jobs and its
# advertising), in the languages we support. A page named so, by its last URL segment
# ("/about-us/", "/impressum.html") or by its headline ("Who we are", "Mentions légales",
# "Careers at The Courier"), is never news, whatever its text. Words are separated by
# spaces here (a URL separates them by "-" or "_"), and written without accents: names are
# compared folded ("légales" and "legales" alike).
_FIXED_PAGE_NAMES = (
    "about( us)?|about this site|who we are|our (story|team|mission|company|staff)|masthead"
    "|contact( us)?|get in touch|imprint|legal( notice)?|disclaimer"
    "|terms( (of (use|service)|and conditions|conditions))?|conditions of use"
    "|privacy( policy| notice| statement)?|cookies?( policy| notice)?|cookie settings"
    "|accessibility( statement)?|careers?|jobs|work (with|for) us|join (us|our team)"
    "|advertise( with us)?|advertising|faq|frequently asked questions|help|login|register"
    "|editorial (policy|standards|guidelines)|ethics policy|corrections policy"
    "|uber uns|kontakt|impressum|datenschutz(erklarung)?|agb|nutzungsbedingungen|karriere"
    "|werbung|mediadaten"
    "|a propos|qui sommes nous|mentions legales|confidentialite|cgu|carrieres|recrutement"
    "|publicite|emplois"
    "|quienes somos|sobre nosotros|contacto|aviso legal|privacidad|empleo"
    "|trabaja con nosotros|publicidad"
    "|chi siamo|contatti|note legali|lavora con noi|pubblicita"
    "|over ons|vacatures|adverteren"
    "|quem somos|sobre nos|contato|trabalhe conosco|publicidade"
)
_FIXED_PAGE_NAME = re.compile(rf"(?:{_FIXED_PAGE_NAMES.replace(' ', r'[-_ ]+')})",
                              re.IGNORECASE)
# What may follow the name in a headline: the site's own name, after a word like "at".
_NAME_JOINERS = frozenset("at with of on to for the us".split())
_HEADLINE_PARTS = re.compile(r"\s+[|–—-]\s+|:\s+")
_NAME_WORD = re.compile(r"[^\W_]+")


def is_fixed_page(url: str) -> bool:
    """True when the URL's last path segment names one of a site's fixed pages."""
    segments = [part for part in urlsplit(url).path.split("/") if part]
    if not segments:
        return False
    return bool(_FIXED_PAGE_NAME.fullmatch(_folded(segments[-1].rsplit(".", 1)[0])))


def _folded(text: str) -> str:
    """`text` without accents ("légales" -> "legales")."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def headline_names_a_fixed_page(headline: str, url: str, site_name: str | None = None) -> bool:
    """True when the headline is the name of a fixed page, alone or with the site's name
    ("Contact", "About us | The Courier", "Careers at Courier Media"): a site names those
    pages so; a news headline says more."""
    site_words = {w.lower() for w in _NAME_WORD.findall(site_name or "")}
    label = site_of(url).split(".")[0]
    named = False
    for part in _HEADLINE_PARTS.split(headline.strip()):
        words = [w.lower() for w in _NAME_WORD.findall(_folded(part))]
        length = next((n for n in range(len(words), 0, -1)
                       if _FIXED_PAGE_NAME.fullmatch(" ".join(words[:n]))), 0)
        if not all(w in _NAME_JOINERS or w in site_words or (len(w) > 2 and w in label)
                   for w in words[length:]):
            return False  # words that are neither the page's name nor the site's
        named = named or length > 0
    return named


@dataclass(frozen=True)
class PageSigns:
    """Everything page typing reads, gathered by the extraction stage."""

    url: str
    structure: PageStructure
    metadata: PageMetadata
    text: str
    prose_words: int
    dated: bool
    signed: bool
    #: Share of the text's words on lines that are the text of a link on the page.
    linked_line_share: float
    #: The text around the page's headline (page_evidence.headline_surroundings).
    around_headline: str = ""


def page_features(signs: PageSigns) -> dict[str, float]:
    """The model's inputs: numbers, most of them 0/1 flags or log counts."""
    s, types = signs.structure, signs.metadata.declared_types
    path = unquote(urlsplit(signs.url).path or "/")
    segments = [part for part in path.split("/") if part]
    lines = [line for line in signs.text.splitlines() if line.strip()]
    words = len(signs.text.split())
    features = {
        "declared_article": float(signs.metadata.is_article or any(
            is_article_type(t) for t in types | s.microdata_types)),
        "declared_other": float(any(_OTHER_TYPES.match(t) for t in types | s.microdata_types)),
        "declared_commerce": float(any(_COMMERCE_TYPES.match(t)
                                       for t in types | s.microdata_types)),
        "dated": float(signs.dated),
        "declared_date": float(signs.metadata.published is not None),
        "date_by_headline": float(bool(DATE.search(signs.around_headline))),
        "byline_by_headline": float(shown_author(signs.around_headline) is not None),
        "heading_density": min(s.headings / (words / 100), 10) / 10 if words else 1.0,
        "signed": float(signs.signed),
        # The URL's shape and words, not the length of its last segment: sites name articles
        # by slug ("/council-approves-flood-barriers") or by number ("/story/123456") as they
        # like, and a model that learned slugs dropped 7-10 % of articles given numbers.
        "url_date": float(bool(_URL_DATE.search(path))),
        "url_home": float(not segments),
        "url_depth": min(len(segments), 6) / 6,
        "text_words": math.log1p(words),
        "prose_words": math.log1p(signs.prose_words),
        "kept_share": min(words / signs.prose_words, 1.5) if signs.prose_words else 0.0,
        "sentence_lines": (sum(line.rstrip().endswith(_SENTENCE_END) for line in lines)
                           / len(lines)) if lines else 0.0,
        "words_per_line": math.log1p(words / len(lines)) if lines else 0.0,
        "linked_lines": signs.linked_line_share,
        "link_density": s.link_chars / s.text_chars if s.text_chars else 1.0,
        "linked_headings": math.log1p(s.linked_headings),
        "linked_heading_share": s.linked_headings / s.headings if s.headings else 0.0,
        "long_paragraphs": math.log1p(s.long_paragraphs),
        "time_elements": math.log1p(s.time_elements),
        "controls": math.log1p(s.controls),
        "code_blocks": math.log1p(s.code_blocks),
        "prices": math.log1p(s.prices),
        "one_h1": float(s.h1 == 1),
    }
    for name, pattern in _URL_WORD_PATTERNS.items():
        features[name] = float(bool(pattern.search(path)))
    return features


@dataclass(frozen=True)
class PageType:
    is_article: bool
    probability: float
    #: The features that weighed most for the decision, with their values ("dated=0",
    #: "declared_commerce=1"), for logs and `scrapy extract`.
    evidence: tuple[str, ...]


class Tree(TypedDict):
    """One decision tree, node by node (node 0 is the root; -1 marks a leaf's feature and
    children)."""

    feature: list[int]
    threshold: list[float]
    left: list[int]
    right: list[int]
    value: list[float]


class PageTypeModel:
    """Decision trees over page_features, read from the JSON the trainer writes: the log-odds
    that a page is an article are `bias` plus, in every tree, the value of the leaf the page's
    features lead to (left when a feature is <= the node's threshold)."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.features: list[str] = model["features"]
        self.bias: float = model["bias"]
        self.trees: list[Tree] = model["trees"]
        self.threshold: float = model["threshold"]

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> PageTypeModel:
        return cls(json.loads(path.read_text()))

    def log_odds(self, features: dict[str, float]) -> tuple[float, list[float]]:
        """The page's log-odds of being an article, and what each feature added to them: the
        change of value at every node where a tree split on it."""
        values = [features[name] for name in self.features]
        moved = [0.0] * len(values)
        total = self.bias
        for tree in self.trees:
            feature, threshold, value = tree["feature"], tree["threshold"], tree["value"]
            node = 0
            while feature[node] >= 0:
                child = (tree["left"] if values[feature[node]] <= threshold[node]
                         else tree["right"])[node]
                moved[feature[node]] += value[child] - value[node]
                node = child
            total += value[node]
        return total, moved

    def judge(self, features: dict[str, float]) -> PageType:
        logit, moved = self.log_odds(features)
        probability = 1 / (1 + math.exp(-max(-30.0, min(30.0, logit))))
        is_article = probability >= self.threshold
        # The strongest evidence on the side the decision took.
        sided = sorted((m if is_article else -m, name) for m, name in zip(moved, self.features))
        evidence = tuple(f"{name}={features[name]:.3g}" for m, name in reversed(sided[-3:])
                         if m > 0)
        return PageType(is_article, round(probability, 3), evidence)

"""Remove what news templates and aggregators add around an article.

Two passes: `prune_page` works on the parsed page before text extraction (teaser lists,
share/cookie/newsletter blocks); `clean_text` works on the extracted lines (placeholders,
"READ MORE" teasers, attribution lines, "Related Articles" tails, date stamps).
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler.urls import site_of
from pipelines.dates import DATE
from pipelines.sources import ATTRIBUTION_LEAD_INS, ATTRIBUTION_LINK_TEXT

_HEADINGS = ("h2", "h3", "h4", "h5", "h6")
# Class/id words that mark blocks which are never part of an article's body.
_BOILERPLATE_WORDS = frozenset(
    "related share sharing sharer social cookie cookies consent gdpr newsletter subscribe "
    "subscription signup comments comment disqus sidebar widget widgets promo advert advertisement "
    "ads sponsored breadcrumb breadcrumbs yarpp popular trending recommended outbrain taboola "
    "paywall modal popup".split()
)
_WORD_SPLIT = re.compile(r"[\s_\-]+")
_EMBED_NAMES = ("twitter-tweet", "instagram-media", "tiktok-embed", "fb-post", "platform.twitter.com")
_EMBED_POST = re.compile(
    r"(twitter\.com|x\.com)/\w+/status/\d+|instagram\.com/p/|tiktok\.com/@"
    r"|facebook\.com/([^\s/?#]+/){1,4}posts/"
)
# A post URL is short; longer "links" are not looked into (bounded regex work per page).
_EMBED_URL_CHARS = 500

# A line that is only a template placeholder: "[contf]", "{{body}}", "%%ad%%".
_PLACEHOLDER = re.compile(r"^\s*(\[[\w\s.-]{1,40}\]|\{\{[^}]{0,40}\}\}|%%[\w-]{1,40}%%)\s*$")
# A teaser inserted into the body: "READ MORE ►" followed by another story's headline.
_TEASER_LEAD = re.compile(
    r"^\W*(read\s+more|read\s+also|also\s+read|see\s+also|more\s+on\s+this|related(\s+story)?"
    r"|don'?t\s+miss|recommended)\W*$",
    re.IGNORECASE,
)
# Attribution lines, from the lead-ins the source stage reads (one vocabulary): a lead-in
# alone, or followed by a name or a link, not a sentence: "Original Article", "via Valley
# Tribune", "Source: Reuters", "Continue reading...", "Quelle: dpa" (not "Via Rail
# cancelled trains", "Sources say the deal is close"). "This story was first published by
# X" is a sentence: dropped only at the edges of the text, where templates put it ("First
# published in 1922, Ulysses ..." in the middle stays). Lead-ins may follow one another:
# "Read more at the source: Valley Tribune".
_ATTRIBUTION_LEAD = re.compile(
    rf"^\W*(({ATTRIBUTION_LEAD_INS})\b\s*[:\-–—]?\s*(the\s+)?)+(?P<name>.*)$", re.IGNORECASE)
_PUBLISHED_ELSEWHERE = re.compile(
    r"^\W*((this|the)\s+(article|story|post|piece|report)\s+)?((was|is)\s+)?"
    r"(originally|first)\s+(published|appeared|posted)\s+(on|in|at|by|with)\s+(the\s+)?"
    r"(?P<outlet>\S+)",
    re.IGNORECASE,
)
_EDGE_LINES = (2, 3)  # lines at the start and at the end of the text where templates attribute
_ATTRIBUTION_SENTENCE_WORDS = 40
# Headings after which the rest of the text is the template's, not the article's.
_TAIL_HEADING = re.compile(
    r"^\W*(related\s+(articles|stories|posts|news)|more\s+(stories|from\b.*|in\b.*)"
    r"|you\s+may\s+also\s+like|recommended(\s+for\s+you)?|most\s+(read|popular)|comments?"
    r"|leave\s+a\s+(reply|comment)|share\s+this\b.*)[^\w?]*$",  # "Comments?" asks: a sentence
    re.IGNORECASE,
)
_SHARE_LINE = re.compile(r"^\W*(share\s+(this|on)\b|follow\s+us\b|subscribe\b|sign\s+up\b)", re.I)
# "Issued on: 21/10/2020 – 12:18Modified: 21/10/2020 – 14:28" stamps glued to a paragraph.
_STAMP = re.compile(
    r"^\s*(issued|published|posted|updated|modified)(\s+on)?\s*:?\s*[\d/.\-]+\s*[–—-]?\s*"
    r"[\d:]*\s*((modified|updated)\s*:?\s*[\d/.\-]+\s*[–—-]?\s*[\d:]*)?\s*",
    re.IGNORECASE,
)
# Bylines and credits for the reporting or the pictures, alone or followed by names, not a
# sentence: "By Jane Doe, Staff Writer", "Reporting by X; Editing by Y", "Written by", "Photo:
# Jane Doe/Reuters", "Image credit: Getty", "Photo courtesy of X" (not "By noon, the fire
# was out.", nor a longer line: "By Saturday, at least 6,000 sites had been infected ...").
# A picture word needs a colon or a credit word after it ("Video Marketing" is a heading,
# "Photo: the span at dusk" a caption's description: kept).
_CREDIT = re.compile(
    r"^\W*((((additional\s+)?reporting|editing|edited|compiled|writing|written|words|posted)"
    r"\s+)?by\b"
    r"|(photos?|images?|pictures?|photographs?|fotos?|videos?|graphics?|illustrations?)"
    r"(\s*:|\s+(credits?|sources?|courtesy(\s+of)?|by)\b\s*:?))\s*(?P<name>.{0,80})$",
    re.IGNORECASE)
# A name's words start with a capital letter or a digit, joined by these; a domain counts.
_NAME_JOINERS = frozenset("and & of the for de da del der di du la le van von y et und".split())
_NAME_MAX_WORDS = 6
_NAME_END = re.compile(r"\s*(?:[,|/–—(;]|\s-\s).*$")
# A line that only says when (and by whom) the page was published: "Published March 14, 2026".
_DATE_LINE = re.compile(
    r"^\s*(published|posted|updated|last\s+updated|issued)(\s+on)?\s*:?\s*"
    r"(\d{1,4}[/.\-]\d{1,2}|\w+\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+\w+\s+\d{4})[^.]{0,60}$",
    re.IGNORECASE,
)
_SHORT_LINE_WORDS = 6
# A short line among the text's first lines (headline, byline, date) that holds a date and
# no sentence is the template's dateline ("March 13, 2008", "Thu, 13 Mar 2008 10:45"): shown
# by the headline, not prose.
_DATELINE_MAX_WORDS = 8
_DATELINE_LINES = 3
_WEEKDAY_OR_TIME = re.compile(
    r"\b(mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(day)?\b|\b[ap]\.?m\b\.?"
    r"|\b(GMT|UTC)\b", re.IGNORECASE)
_A_WORD = re.compile(r"[^\W\d_]{2,}")
# A block named like boilerplate (share, related, cookie, widget...) is dropped only when it
# holds at most this many words or this share of its text is links: share bars, cookie
# banners and related-story lists are; a page builder's "widget" wrapping the article is not.
_NAMED_BLOCK_MAX_WORDS = 40
_NAMED_BLOCK_LINK_SHARE = 0.5
_BODY_PARAGRAPH_WORDS = 40
# A teaser's excerpt is a sentence or two; more text under a linked heading is content.
_TEASER_MAX_WORDS = 60
# A block holding this many links (as children or grandchildren) whose text is mostly link
# text is navigation or a link farm: no article has that many links in one place.
_LINK_FARM_LINKS = 200
_LINK_FARM_LINK_SHARE = 0.7
# A tail heading ("Related Articles") ends the text only when less text follows it than this
# share of the text before it.
_TAIL_SHARE = 0.5


def find_embeds(root: HtmlElement, remove: bool) -> list[str]:
    """The URLs of embedded social posts (tweets, Instagram, TikTok); with `remove`, the
    embeds are also taken out of the page, in place."""
    found: list[str] = []
    inside: set[HtmlElement] = set()  # embeds within an embed are read with the outer one
    for element in list(root.iter("blockquote", "iframe", "div")):
        names = f"{element.get('class') or ''} {element.get('src') or ''}".lower()
        if element in inside or element.getparent() is None or not any(n in names for n in _EMBED_NAMES):
            continue
        inside.update(element.iterdescendants("blockquote", "iframe", "div"))
        links = [element.get("src") or ""] + [str(a.get("href") or "") for a in element.iter("a")]
        post = next((link for link in reversed(links)
                     if len(link) <= _EMBED_URL_CHARS and _EMBED_POST.search(link)), None)
        if post:
            found.append(post)
        if remove:
            element.drop_tree()
    return found


def prune_page(root: HtmlElement, url: str = "") -> None:
    """Remove teaser lists and boilerplate blocks from a parsed page, in place (after
    drop_link_farms). `url`: the page's own address, to tell links within it."""
    prose_classes: dict[HtmlElement, set[str]] = {}
    # Syntax highlighters name a code comment's span "comment" ("hljs-comment", Prism's
    # "token comment"): what is inside code is the article's, whatever its names.
    in_code: set[HtmlElement] = set()
    for code in root.iter("pre", "code"):
        if code not in in_code:  # the outermost only: each element is added once
            in_code.update(code.iterdescendants())
    for element in list(root.iter("*")):
        if element.getparent() is None or not isinstance(element.tag, str) or element in in_code:
            continue
        if _is_dialog(element):
            element.drop_tree()
            continue
        # Class names are weak evidence ("elementor-widget" wraps whole articles): a named
        # block goes only when it is not prose (short or mostly links) and no sibling of
        # its class is (a page builder wraps each paragraph of an article alike).
        if _is_boilerplate_block(element) and not _holds_prose(element) \
                and not _sibling_holds_prose(element, prose_classes):
            element.drop_tree()
    headings_in: dict[HtmlElement, int] = {}  # per teaser item, counted once
    for heading in list(root.iter(*_HEADINGS)):
        if heading.getparent() is None:
            continue
        target = _heading_link(heading, url)
        if target is not None:
            _drop_teaser(heading, headings_in, elsewhere=target == _ANOTHER_SITE)
    blocks_read: set[HtmlElement] = set()  # a block of many links is read once
    for link in list(root.iter("a")):
        block = link.getparent()
        if block is None or block in blocks_read:
            continue
        blocks_read.add(block)
        if block.getparent() is not None and _is_attribution_block(block):
            _drop_attribution(block)


def clean_text(text: str, title: str | None = None) -> str:
    """Extracted text without aggregator and template lines; paragraphs joined by newlines."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    words_after = _words_after(lines)
    kept: list[str] = []
    skip_short_lines = False
    title_key = _key(title or "")
    for number, line in enumerate(lines):
        if not line or _PLACEHOLDER.match(line):
            continue
        if _TAIL_HEADING.match(line):
            # At the end of the text it starts the template's tail; in the middle it is an
            # inline "related news" box whose links were already removed.
            if words_after[number] <= _TAIL_SHARE * sum(len(k.split()) for k in kept):
                break
            continue
        if _TEASER_LEAD.match(line) or _is_attribution(line, number, len(lines)):
            # The next short line is the teaser's headline or the credited outlet's name.
            skip_short_lines = True
            continue
        if skip_short_lines and len(line.split()) <= _SHORT_LINE_WORDS * 2 and not line.endswith(
            (".", '"', "”")
        ):
            continue
        skip_short_lines = False
        if (_SHARE_LINE.match(line) or _is_credit(line) or _DATE_LINE.match(line)
                or (title_key and _key(line) == title_key) or _is_dateline(line, number)):
            continue
        line = _STAMP.sub("", line)
        if line:
            kept.append(line)
    return "\n".join(kept)


def _is_dateline(line: str, number: int) -> bool:
    """A line of a date with, at most, its weekday and time: nothing else named ("AFP,
    Tuesday 2 Jul 2013" is a wire's credit, read by the canonical choice)."""
    if number >= _DATELINE_LINES or len(line.split()) > _DATELINE_MAX_WORDS:
        return False
    date = DATE.search(line)
    return date is not None and not _A_WORD.search(
        _WEEKDAY_OR_TIME.sub("", line[:date.start()] + line[date.end():]))


def _is_attribution(line: str, number: int, count: int) -> bool:
    if _is_attribution_line(line):
        return True
    at_edge = number < _EDGE_LINES[0] or number >= count - _EDGE_LINES[1]
    return (at_edge and len(line.split()) <= _ATTRIBUTION_SENTENCE_WORDS
            and _names_an_outlet(_PUBLISHED_ELSEWHERE.match(line)))


def _is_attribution_line(line: str) -> bool:
    """A line that is an attribution wherever it stands: the words of a source link, or a
    lead-in alone ("Source:", "Continue reading →") or followed by a name."""
    if ATTRIBUTION_LINK_TEXT.match(line):
        return True
    return _alone_or_named(_ATTRIBUTION_LEAD.match(line))


def _is_credit(line: str) -> bool:
    return _alone_or_named(_CREDIT.match(line))


def _alone_or_named(lead_in: re.Match[str] | None) -> bool:
    """True when a lead-in matched and nothing but punctuation, or a name, follows it."""
    if lead_in is None:
        return False
    return not any(c.isalpha() for c in lead_in.group("name")) or _names_follow(lead_in)


def _names_an_outlet(published: re.Match[str] | None) -> bool:
    """"... first published by The Courier": a capitalised name or a domain, not "in 1922"."""
    if published is None:
        return False
    outlet = published.group("outlet")
    return outlet[0].isupper() or "." in outlet.strip(".")


def _names_follow(lead_in: re.Match[str] | None) -> bool:
    """True when the text after a lead-in ("By", "via", "Source:") is a name or a domain,
    with at most a role or a date after a comma or dash: not a sentence."""
    if lead_in is None:
        return False
    words = _NAME_END.sub("", lead_in.group("name")).strip(" .:").split()
    if not any(c.isalpha() for word in words for c in word):
        return False  # a year or a number ("First published in 1922, ...") names nobody
    return 0 < len(words) <= _NAME_MAX_WORDS and all(
        not word[0].islower() or word.lower() in _NAME_JOINERS or "." in word.strip(".")
        for word in words)


def _words_after(lines: list[str]) -> list[int]:
    """For each line, the number of words in the lines after it."""
    counts = [len(line.split()) for line in lines]
    after, total = [], 0
    for count in reversed(counts):
        after.append(total)
        total += count
    return after[::-1]


def _key(line: str) -> str:
    return re.sub(r"\W+", " ", line.lower()).strip()


def drop_link_farms(root: HtmlElement) -> None:
    """Drop blocks of hundreds of links that are mostly link text (menus, tag clouds, link
    farms) before anything else reads the page: they are never article text, and every
    later step's work grows with them. One pass over the links."""
    links_under: dict[HtmlElement, int] = {}
    for link in root.iter("a"):
        parent = link.getparent()
        for holder in (parent, parent.getparent() if parent is not None else None):
            if holder is not None:
                links_under[holder] = links_under.get(holder, 0) + 1
    for block, count in links_under.items():
        if count < _LINK_FARM_LINKS or block.tag in ("html", "body", "main", "article"):
            continue
        if block.getparent() is None or block.find(".//h1") is not None:
            continue
        text = len("".join(block.text_content().split()))
        linked = sum(len("".join(a.text_content().split())) for a in block.iter("a"))
        if text and linked >= _LINK_FARM_LINK_SHARE * text:
            block.drop_tree()


def _is_dialog(element: HtmlElement) -> bool:
    """A modal dialog (a cookie or consent prompt, a newsletter or login overlay) by what
    the page declares: <dialog>, role="dialog"/"alertdialog", aria-modal="true"; whatever
    its words or class names. One that holds the page's headline is an article shown in an
    overlay: kept."""
    return ((element.tag == "dialog" or element.get("role") in ("dialog", "alertdialog")
             or element.get("aria-modal") == "true") and element.find(".//h1") is None)


def _is_boilerplate_block(element: HtmlElement) -> bool:
    if element.tag in ("html", "body", "main", "article"):
        return False
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    if not names.strip():
        return False
    return any(word in _BOILERPLATE_WORDS for word in _WORD_SPLIT.split(names))


def _sibling_holds_prose(element: HtmlElement,
                         prose_classes: dict[HtmlElement, set[str]]) -> bool:
    # A wrapper that is its parent's only child takes the parent's place among its siblings.
    while (parent := element.getparent()) is not None and parent.tag not in ("body", "html") \
            and element.getprevious() is None and element.getnext() is None:
        element = parent  # (len(parent) would count all the siblings, at every step)
    if parent is None:
        return False
    if parent not in prose_classes:  # each parent's children are read once: linear
        prose_classes[parent] = {_kind_of(child) for child in parent
                                 if isinstance(child.tag, str) and _holds_prose(child)}
    return _kind_of(element) in prose_classes[parent]


def _kind_of(element: HtmlElement) -> str:
    """An element's class names without the ones that number it: page builders give each
    block an id of its own among its kind's names ("elementor-element-7e8c3baa")."""
    return " ".join(sorted(name for name in str(element.get("class") or "").split()
                           if not _NUMBERED_NAME.search(name)))


_NUMBERED_NAME = re.compile(r"\d")


def _holds_prose(element: HtmlElement) -> bool:
    """Whether a block holds article text: the headline, two paragraphs of running prose
    (a body with a link-heavy sidebar inside), or more than a few lines that are not links."""
    if element.find(".//h1") is not None:
        return True
    long_paragraphs = 0
    for paragraph in element.iter("p"):
        if len(paragraph.text_content().split()) >= _BODY_PARAGRAPH_WORDS:
            long_paragraphs += 1
            if long_paragraphs >= 2:
                return True
    text = element.text_content()
    if len(text.split()) <= _NAMED_BLOCK_MAX_WORDS:
        return False
    linked = sum(len(a.text_content()) for a in element.iter("a"))
    return linked < _NAMED_BLOCK_LINK_SHARE * len(text)


def _is_attribution_block(block: HtmlElement) -> bool:
    text = block.text_content()
    if len(text) > 1000:  # an attribution line is short; no need to read a long block
        return False
    text = " ".join(text.split())
    if len(text) >= 120:
        return False
    if _is_attribution_line(text):
        return True
    # "This story first appeared in <a>X</a>": the sentence form, with its link.
    return _names_an_outlet(_PUBLISHED_ELSEWHERE.match(text)) and block.find(".//a") is not None


def _drop_attribution(block: HtmlElement) -> None:
    """Drop an attribution line and the short outlet-name lines that follow it; the link
    itself was read by the source stage from the unpruned page."""
    sibling = block.getnext()
    block.drop_tree()
    while sibling is not None and len(sibling.text_content().split()) <= _SHORT_LINE_WORDS:
        following = sibling.getnext()
        if sibling.text_content().strip().endswith("."):
            break
        sibling.drop_tree()
        sibling = following


_ANOTHER_SITE, _THIS_SITE = "another site", "this site"


def _heading_link(heading: HtmlElement, page_url: str) -> str | None:
    """Where a linked heading points: _THIS_SITE, _ANOTHER_SITE, or None for no link or a
    link within the page ("#pricing", a section's permalink anchor)."""
    link = heading.find(".//a[@href]")
    if link is None:
        parent = heading.getparent()
        link = parent if parent is not None and parent.tag == "a" else None
    if link is None:
        return None
    href = str(link.get("href") or "").strip()
    if not page_url:
        return None if href.startswith("#") else _THIS_SITE
    try:
        target = urljoin(page_url, href)
    except ValueError:  # a malformed address ("http://[::1")
        return _THIS_SITE
    if "#" in href and _same_page(target, page_url):
        return None
    return _THIS_SITE if site_of(target) == site_of(page_url) else _ANOTHER_SITE


def _same_page(url: str, other: str) -> bool:
    return url.partition("#")[0].rstrip("/") == other.partition("#")[0].rstrip("/")


def _drop_teaser(heading: HtmlElement, headings_in: dict[HtmlElement, int], elsewhere: bool
                 ) -> None:
    """Drop a teaser: a linked heading with at most a short excerpt. Its whole item goes when
    the item holds only this teaser (a card), else the heading and the blocks after it. A
    linked heading followed by long text is a section of the article (a list article): kept;
    so is one among other headings that links to another site (`elsewhere`): it names what
    its section is about ("1. AWS Machine Learning"); a teaser card is one heading alone,
    wherever it points."""
    item = heading.getparent()
    if item is not None and item.tag == "a":
        heading, item = item, item.getparent()
    if item is None:
        return
    if item not in headings_in:
        headings_in[item] = sum(1 for _ in item.iter(*_HEADINGS, "h1"))
    card = headings_in[item] == 1
    if card and item.tag not in ("body", "main", "article") and item.getparent() is not None:
        parts = [item]
    elif elsewhere and not card:
        return
    else:
        parts = [heading]
        sibling = heading.getnext()
        while sibling is not None and sibling.tag not in (*_HEADINGS, "h1"):
            if sibling.tag in ("p", "div", "span", "time"):
                parts.append(sibling)
            sibling = sibling.getnext()
    words = sum(len(part.text_content().split()) for part in parts)
    if words - len(heading.text_content().split()) <= _TEASER_MAX_WORDS:
        for part in parts:
            part.drop_tree()
        if parts[0] is heading:
            headings_in[item] -= 1

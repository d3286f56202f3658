from __future__ import annotations

import time
from pathlib import Path

import pytest

from pipelines.extraction import ArticleExtractor, Extraction, ExtractionOptions, Rejection

PAGES = Path(__file__).parent / "fixtures" / "pages"

_DAM_STORY = "".join(f"<p>{p}</p>" for p in (
    "Engineers opened the spillway of the Kessel Dam on Tuesday as the river rose to "
    "its highest level in a decade, the regional water authority said.",
    "Residents of four villages downstream were told to move cars and livestock to "
    "higher ground before the evening, and schools in the valley closed early.",
    "The authority said the footpaths along both banks would stay closed until the "
    "water fell, and that farmers would get help with the cost of replanting."))


@pytest.fixture(scope="module")
def extractor() -> ArticleExtractor:
    return ArticleExtractor(ExtractionOptions())


def extract(extractor: ArticleExtractor, name: str, url: str = "http://roundup.test/world/x/") -> Extraction:
    result = extractor.extract((PAGES / name).read_text("utf-8"), url)
    assert isinstance(result, Extraction), result
    return result


@pytest.mark.parametrize("kept", [
    "Engineers opened the spillway of the Kessel Dam",
    "Residents of four villages downstream",
    "footpaths along both banks would stay closed",
    "help with the cost of replanting",
])
def test_aggregator_copy_keeps_the_article(extractor: ArticleExtractor, kept: str) -> None:
    assert kept in extract(extractor, "aggregator.html").text


@pytest.mark.parametrize("removed", [
    "[contf]", "[contfnewc]", "READ MORE", "Ferry strike ends", "Original Article", "river post",
    "Related Articles", "Issued on", "Bridge repairs begin", "Share this", "cookies",
    "newsletter", "By admin", "All rights reserved",
])
def test_aggregator_boilerplate_is_removed(extractor: ArticleExtractor, removed: str) -> None:
    assert removed.lower() not in extract(extractor, "aggregator.html").text.lower()


def test_aggregator_metadata(extractor: ArticleExtractor) -> None:
    result = extract(extractor, "aggregator.html")
    assert result.title == "Dam spillway opened as river rises"
    assert result.published == "2026-04-02T06:30:00"
    assert result.site == "Daily Roundup"
    assert result.language == "en"
    assert result.author is None  # "By admin" is boilerplate, not an author


def test_structured_data_comes_first(extractor: ArticleExtractor) -> None:
    result = extract(extractor, "jsonld.html")
    assert result.title == "Stadtrat beschließt neuen Haushalt"
    assert result.author == "Lena Vogt"
    assert result.published == "2026-03-11T06:30:00+01:00"
    assert result.modified == "2026-03-11T09:00:00+01:00"
    assert result.description == "Knappe Mehrheit für den Haushalt."
    assert result.image == "https://seebote.test/img/rathaus.jpg"
    assert result.language == "de"


def test_fields_not_on_the_page_are_null(extractor: ArticleExtractor) -> None:
    result = extract(extractor, "visible-date.html")
    assert (result.modified, result.description, result.image) == (None,) * 3
    assert result.author == "Jonas Berg"  # shown in the byline, not in the metadata


def test_embedded_posts_are_listed_and_optionally_kept_out_of_text(extractor: ArticleExtractor) -> None:
    tweet = "https://twitter.com/valleywx/status/1775000000000000001"
    kept = extract(extractor, "aggregator.html")
    assert kept.embeds == (tweet,) and "Water pouring over the Kessel spillway" in kept.text
    separate = ArticleExtractor(ExtractionOptions(embeds_in_text=False))
    result = separate.extract((PAGES / "aggregator.html").read_text(), "http://roundup.test/world/x/")
    assert isinstance(result, Extraction)
    assert result.embeds == (tweet,) and "Water pouring" not in result.text
    assert "Engineers opened the spillway" in result.text


def test_visible_only_date_and_site_from_title(extractor: ArticleExtractor) -> None:
    result = extract(extractor, "visible-date.html")
    assert result.published == "2026-03-14"
    assert result.site == "Lakeside Tribune"
    assert "Published March 14" not in result.text
    assert result.text.startswith("More than forty thousand people")


# A listing's cards may link to other sites (an aggregator's links to the originals).
@pytest.mark.parametrize("url", ["http://roundup.test/world/", "http://elsewhere.test/world/"])
def test_listing_page_is_rejected(extractor: ArticleExtractor, url: str) -> None:
    result = extractor.extract((PAGES / "listing.html").read_text(), url)
    assert isinstance(result, Rejection)


@pytest.mark.parametrize(("html", "reason"), [
    ("", "empty page"),
    ("   \n ", "empty page"),
    ("\x00\x01\x02binary\x00" * 100, "binary body"),
    ("<html><body><p>Too short to be news.</p></body></html>", "too short"),
    ("<html><body><nav><a href='/a'>Home</a> <a href='/b'>World</a></nav></body></html>", "too short"),
    ("<html><head><title>x</title></head><body></body></html>", "no main text"),
])
def test_bad_pages_are_rejected_with_a_reason(extractor: ArticleExtractor, html: str, reason: str) -> None:
    assert extractor.extract(html, "http://x.test/a") == Rejection(reason)


@pytest.mark.parametrize("html", [
    "<html><body><pre>" + "A line of preformatted text that goes on.\n" * 20000 + "</pre></body></html>",
    "<html><body><p>" + "one very long single line of words " * 30000 + "</p></body></html>",
    "<html><body>" + "<div>" * 5000 + "<p>Deep text here.</p>" + "</div>" * 5000 + "</body></html>",
    "\ufeff<html><body><article><p>" + "Café crème brûlée à la carte, naïve façade. " * 40 + "</p></article></body></html>",
])
def test_odd_pages_finish_in_bounded_time(extractor: ArticleExtractor, html: str) -> None:
    start = time.perf_counter()
    result = extractor.extract(html, "http://x.test/a")
    assert isinstance(result, (Extraction, Rejection))
    assert time.perf_counter() - start < 30


def test_oversized_page_is_cut_before_parsing() -> None:
    small = ArticleExtractor(ExtractionOptions(max_chars=5000))
    html = "<html><body><article>" + "<p>Para of news text with several words in it.</p>" * 10000
    result = small.extract(html, "http://x.test/a")
    assert isinstance(result, Extraction) and len(result.text) < 5000


@pytest.mark.parametrize("bad", [{"min_words": 0}, {"max_chars": 10}])
def test_bad_options(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        ExtractionOptions(**bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("dialog", [
    '<div role="dialog" class="x1"><p>{}</p></div>',
    '<section aria-modal="true"><p>{}</p></section>',
    "<dialog open><p>{}</p></dialog>",
])
def test_a_modal_dialog_is_not_article_text(extractor: ArticleExtractor, dialog: str) -> None:
    # A consent prompt named by nothing but its role: its words are not the article's.
    consent = ("We and our partners process your personal data, such as identifiers and "
               "browsing data, to show you tailored content and measure its performance. "
               "You can change your choices at any time in the privacy settings.")
    html = (f"<html><body><div id='main'><h1>Dam spillway opened</h1>{_DAM_STORY}"
            f"{dialog.format(consent)}</div></body></html>")
    result = extractor.extract(html, "http://news.test/2026/03/dam/")
    assert isinstance(result, Extraction), result
    assert "spillway" in result.text and "personal data" not in result.text


def test_an_article_shown_in_an_overlay_is_kept(extractor: ArticleExtractor) -> None:
    paragraphs = "".join(
        f"<p>Engineers opened the spillway of the Kessel Dam on day {n} as the river rose to "
        "its highest level in a decade, the regional water authority said on Tuesday.</p>"
        for n in range(4))
    html = (f"<html><body><div role='dialog' aria-modal='true'><h1>Dam spillway opened</h1>"
            f"{paragraphs}</div></body></html>")
    result = extractor.extract(html, "http://news.test/2026/03/dam/")
    assert isinstance(result, Extraction), result
    assert "Kessel Dam" in result.text


def test_the_date_by_the_headline_is_the_publication_date(extractor: ArticleExtractor) -> None:
    # No declared publication date: the byline's date, not its "Updated" one, nor the
    # page's last change (which a page-wide date search prefers).
    html = ("<html><head><meta name='last-modified' content='2025-12-20'></head><body>"
            "<article><header><h1>Dam spillway opened</h1>"
            "<p class='meta'>By Ana Ruiz · Updated Dec. 9, 2025 · Published Aug 1, 2025</p>"
            f"</header>{_DAM_STORY}</article><aside><h3>Archive</h3>"
            "<p>Flood season review, 12 November 2025</p></aside></body></html>")
    result = extractor.extract(html, "http://news.test/dam-spillway/")
    assert isinstance(result, Extraction), result
    assert result.published == "2025-08-01"
    declared = html.replace("<head>", "<head><meta property='article:published_time' "
                                      "content='2025-07-31T22:00:00+00:00'>")
    result = extractor.extract(declared, "http://news.test/dam-spillway/")
    assert isinstance(result, Extraction) and result.published == "2025-07-31T22:00:00+00:00"


def test_an_undated_page_is_dated_by_the_day_its_url_spells(extractor: ArticleExtractor) -> None:
    # An older template: no <h1>, no date declared, a month name in the text. The day the
    # URL files the page under is its publication day, not the first of that month.
    html = ("<html><head><title>Dam spillway opened</title></head><body><table><tr><td>"
            "<font size='4'><b>Dam spillway opened</b></font><br>"
            f"<font size='2'>{_DAM_STORY} Work on the dam began in March 2008.</font>"
            "</td></tr></table></body></html>")
    result = extractor.extract(html, "http://news.test/local/2008/03/13/dam-spillway.html")
    assert isinstance(result, Extraction), result
    assert result.published == "2008-03-13"


_LAYOUT_PAGE = """<html><head><title>Storm knocks out power to thousands</title></head>
<body><table width="760"><tr><td><a href="/">Home</a> | <a href="/mail">Mail</a> | <a href="/search">Search</a></td></tr>
<tr><td><table><tr><td width="180" valign="top"><b>Top Stories</b><br><a href="/a">Senate passes budget</a><br>
<a href="/b">Markets fall</a><br><a href="/c">Oil hits record</a></td>
<td valign="top"><h3>Storm knocks out power to thousands</h3>
<p>PORTLAND, Maine - A late-winter storm knocked out power to more than 40,000 homes across northern New England on Thursday.</p>
<p>Utility crews from three states were working through the night, and officials said some customers might wait until the weekend.</p>
<p>Schools in dozens of towns closed early, and the state police reported more than 200 accidents on icy roads.</p>
<p>"It's the heaviest, wettest snow we've seen this year," said a spokeswoman for the power company. "It sticks to
the lines and the branches, and then they come down."</p>
<p>Forecasters said the snow would taper off overnight, but warned that temperatures would fall below freezing.</p>
{table}
</td><td width="160" valign="top"><b>Most read</b>
<p>Fire destroys a barn on the edge of town as crews battle the flames for hours.</p>
<p>The school board votes on next year's budget, with cuts to sports and the arts.</p>
</td></tr></table></td></tr></table></body></html>"""


def test_a_page_laid_out_in_a_table_reads_as_paragraphs(extractor: ArticleExtractor) -> None:
    """Older templates put the navigation, the article and the sidebar in cells of one
    table: the article's paragraphs are its lines, not one table row with the menu, and the
    sidebar's sentences beside the story are not the story's."""
    result = extractor.extract(_LAYOUT_PAGE.format(table=""), "http://news.test/s/20080313/storm")
    assert isinstance(result, Extraction), result
    lines = result.text.splitlines()
    assert lines[0].startswith("PORTLAND, Maine - A late-winter storm")
    assert lines[1].startswith("Utility crews from three states")
    assert "Mail" not in result.text and "Markets fall" not in result.text
    assert "barn" not in result.text and "school board" not in result.text.lower()


def test_a_data_table_in_a_laid_out_page_stays_a_table(extractor: ArticleExtractor) -> None:
    figures = ("<table><tr><th>State</th><th>Homes without power</th></tr>"
               "<tr><td>Maine</td><td>31,000</td></tr><tr><td>Vermont</td><td>9,400</td></tr></table>")
    result = extractor.extract(_LAYOUT_PAGE.format(table=figures), "http://news.test/s/20080313/storm")
    assert isinstance(result, Extraction), result
    assert any("Maine" in line and "31,000" in line for line in result.text.splitlines())


def test_a_story_set_in_two_columns_keeps_both(extractor: ArticleExtractor) -> None:
    """A cell near the story cell's size beside it is the story's second column, not a
    sidebar."""
    first = "".join(f"<p>The first column's paragraph {i} tells how the storm reached the coast "
                    f"and what the crews found when they arrived.</p>" for i in range(7))
    second = "".join(f"<p>The second column's paragraph {i} tells how the towns inland waited "
                     f"for power to come back.</p>" for i in range(5))
    page = (f"<html><body><h1>Storm knocks out power</h1><table><tr><td>{first}</td>"
            f"<td>{second}</td></tr></table></body></html>")
    result = extractor.extract(page, "http://news.test/s/20080313/storm")
    assert isinstance(result, Extraction), result
    assert "paragraph 4 tells how the storm" in result.text
    assert "paragraph 3 tells how the towns inland" in result.text


def test_terms_beside_long_definitions_are_kept(extractor: ArticleExtractor) -> None:
    """A table of terms and long definitions reads as blocks, like a layout, but its terms
    are not side columns."""
    definition = ("is the share of a river's flow that the barrier lets through when the tide "
                  "is high, measured every hour by the harbor office and reported to the council "
                  "each week, ") * 5
    rows = "".join(f"<tr><td>{term}</td><td>{term} {definition}</td></tr>"
                   for term in ("Spillway rate", "Surge margin"))
    lead = "The barriers close when the surge comes. " * 6
    page = (f"<html><body><h1>How the flood barriers work</h1><p>{lead}</p>"
            f"<table>{rows}</table></body></html>")
    result = extractor.extract(page, "http://news.test/s/20080313/barriers")
    assert isinstance(result, Extraction), result
    lines = result.text.splitlines()
    assert "Spillway rate" in lines and "Surge margin" in lines


_UNNAMED_BLOCKS_PAGE = """<html><head><title>What a remodel costs</title></head><body>
<div><a href="/">Home</a> <a href="/guides">Guides</a> <a href="/contact">Contact</a></div>
<div>{story}</div>
<div><p>Sign up for our letter: one email a week, with the best of our guides and offers.</p>
<p><a href="/a">Ten paint colors for small rooms</a></p><p><a href="/b">How to hire a roofer</a></p></div>
<div>Copyright 2011 Bay Builders</div></body></html>"""


def test_a_page_without_named_blocks_keeps_its_lists_and_subheadings(
        extractor: ArticleExtractor) -> None:
    """A template that names no block the way trafilatura knows (older and custom templates)
    used to give loose paragraphs only: the story's price lists and subheadings were lost."""
    story = ("<h1>What a remodel costs in the Bay Area</h1>"
             "<p>Prices in the Bay Area run well above the national average, and the spread "
             "between a basic and a luxury job is wide, so here is what each room costs.</p>"
             "<h2>Kitchen renovation costs</h2><ul><li>Basic kitchen remodel: $40,000 to $70,000</li>"
             "<li>Luxury kitchen remodel: $120,000 to $200,000</li></ul>"
             "<p>Cabinets, counters and moving the plumbing decide where a kitchen lands in that "
             "range, and permits add a few weeks to any of them.</p>"
             "<h2>Bathroom renovation costs</h2><ul><li>Powder room: $15,000 to $30,000</li>"
             "<li>Full bathroom: $30,000 to $60,000</li></ul>"
             "<p>Tile, fixtures and a walk-in shower move the price most, and a bathroom on an "
             "upper floor costs more to plumb than one on the ground floor.</p>")
    result = extractor.extract(_UNNAMED_BLOCKS_PAGE.format(story=story),
                               "http://builders.test/2011/06/remodel-costs")
    assert isinstance(result, Extraction), result
    lines = result.text.splitlines()
    for kept in ("Kitchen renovation costs", "Basic kitchen remodel: $40,000 to $70,000",
                 "Bathroom renovation costs", "Full bathroom: $30,000 to $60,000"):
        assert any(kept in line for line in lines), kept
    assert "Sign up for our letter" not in result.text and "Copyright" not in result.text


def test_text_after_an_icon_or_a_picture_is_kept(extractor: ArticleExtractor) -> None:
    """Icon fonts before a list item's words (<i class="icon"></i>) and a picture's wrapper
    before a paragraph's first sentence are empty elements; trafilatura's precision mode
    cut them with the text that follows them."""
    items = "".join(f"<li><i class='icon-check'></i>{name}: {text}</li>" for name, text in (
        ("Fixed switches", "the switches that came with the keyboard were soldered for good."),
        ("Hard repairs", "a broken switch meant unsoldering it and soldering in another."),
        ("Easy swaps", "switches pull out with a small tool and new ones press in by hand.")))
    html = ("<html><body><article><h1>What a hot-swap keyboard is</h1>"
            "<p>By Ana Ruiz, <time datetime='2024-05-02'>May 2, 2024</time></p>"
            "<p><span class='lazy'><img src='/k.jpg' alt=''></span>A hot-swap keyboard lets "
            "you change its switches without a soldering iron, which older boards never did.</p>"
            f"<p>Here is what changed, and why it matters to anyone who types all day.</p><ul>{items}</ul>"
            "<p>Most new boards at every price now take switches this way, and makers sell "
            "switch testers so buyers can try a few before they choose.</p></article></body></html>")
    result = extractor.extract(html, "https://keys.test/2024/05/hot-swap/")
    assert isinstance(result, Extraction), result
    for kept in ("A hot-swap keyboard lets you change", "soldered for good",
                 "unsoldering it", "press in by hand"):
        assert kept in result.text, kept


def test_sections_of_a_list_article_are_kept(extractor: ArticleExtractor) -> None:
    # Section headings that link to the thing reviewed (another site) or to themselves
    # (permalink anchors) are the article's; a heading linking to another page of the site
    # with a line of excerpt is a teaser.
    sections = "".join(
        f"<h2 id='s{n}'><a href='{href}'>{n}. {name}</a></h2><p>{name} {blurb}</p>"
        for n, (name, href, blurb) in enumerate((
            ("Harbor Kayaks", "https://harborkayaks.example/", ("rents sit-on-top boats by "
             "the hour from the north pier, with a guide on weekends.")),
            ("Lantern Tours", "#s2", ("walks the old town after dark and ends at the "
             "lighthouse with a cup of cider.")),
            ("Ridge Bikes", "https://news.test/best-rentals/#s3", ("has e-bikes with child "
             "seats and will deliver them to your hotel.")),
        ), start=1))
    teasers = ("<div class='more'><h3><a href='/weekend-markets/'>Weekend markets</a></h3>"
               "<p>Where to shop on Saturday.</p></div>")
    html = (f"<html><body><article><h1>Best rentals in town</h1><p>By Ana Ruiz, "
            f"<time datetime='2024-05-02'>May 2, 2024</time></p><p>{'We tried them all. ' * 8}"
            f"</p>{sections}{teasers}</article></body></html>")
    result = extractor.extract(html, "https://news.test/best-rentals/")
    assert isinstance(result, Extraction), result
    for kept in ("Harbor Kayaks rents", "Lantern Tours walks", "Ridge Bikes has"):
        assert kept in result.text
    assert "Where to shop" not in result.text


def test_an_article_inside_an_unclosed_header_is_kept(extractor: ArticleExtractor) -> None:
    # Broken markup: the site's <header> and <nav> are never closed, so the parser puts the
    # article inside them, in a block named like links, which precision extraction drops.
    html = ("<html><body><header><nav><a href='/'>Home</a><div class='menu-links'>"
            "<div class='post'><h1>Dam spillway opened</h1><p>By Ana Ruiz, March 3, 2026</p>"
            f"{_DAM_STORY}</div></body></html>")
    result = extractor.extract(html, "http://news.test/2026/03/03/dam-spillway-opened-as-river-rises/")
    assert isinstance(result, Extraction), result
    assert "Residents of four villages" in result.text


@pytest.mark.parametrize(("og_title", "h1", "headline"), [
    # The title written for sharing, with the site's name, against the headline shown.
    ("Dam spillway opened after record rain | Lakeside Tribune", "Dam spillway opened after record rain",
     "Dam spillway opened after record rain"),
    ("Spillway opened after record rain | Five things to know", "Dam spillway opened after record rain",
     "Dam spillway opened after record rain"),
    # No headline shown that agrees: the title, without the site's name (by the name the
    # site gives itself, or by its domain), its entities read once more.
    ("Lakeside Tribune - Dam spillway opened", "Weather", "Dam spillway opened"),
    ("Dam spillway opened &amp;#8211; valley on alert • LAKESIDETRIBUNE", "Our newsroom blog",
     "Dam spillway opened – valley on alert"),
    # A dash inside a headline is not a site's name.
    ("Covid-19 - what the valley needs to know", "Newsroom",
     "Covid-19 - what the valley needs to know"),
])
def test_the_headline_is_the_one_shown_or_the_title_without_the_site(
        extractor: ArticleExtractor, og_title: str, h1: str, headline: str) -> None:
    html = (f"<html><head><meta property='og:title' content='{og_title}'>"
            "<meta property='og:site_name' content='Lakeside Tribune'></head><body>"
            f"<article><h1>{h1}</h1>{_DAM_STORY}</article></body></html>")
    result = extractor.extract(html, "http://lakesidetribune.test/2026/03/dam/")
    assert isinstance(result, Extraction), result
    assert result.title == headline


@pytest.mark.parametrize(("meta_author", "byline", "author"), [
    # An author field as templates fill it: a lead-in, a date run into it, entities
    # escaped twice; a date alone is no author.
    ("By Ana Ruiz", "", "Ana Ruiz"),
    ("Ana Ruiz Last updated December 9, 2025", "", "Ana Ruiz"),
    ("Sam O&amp;#39;Brien", "", "Sam O'Brien"),
    ("Dec", "", None),
    ("Written by", "", None),
    ("Jane Doe, Staff Writer", "", "Jane Doe"),
    ("Theresa May", "", "Theresa May"),
    # No author in the metadata: the byline by the headline, not a sentence of the story.
    (None, "<p class='meta'>By Ana Ruiz · Dec. 9, 2025</p>", "Ana Ruiz"),
    (None, "<p class='meta'>Von Anna Müller</p>", "Anna Müller"),
    (None, "<p>By Monday, the spillway was open.</p>", None),
])
def test_the_author_is_a_name(extractor: ArticleExtractor, meta_author: str | None, byline: str,
                              author: str | None) -> None:
    head = f"<meta name='author' content='{meta_author}'>" if meta_author else ""
    html = (f"<html><head>{head}</head><body><article><h1>Dam spillway opened</h1>{byline}"
            f"{_DAM_STORY}</article></body></html>")
    result = extractor.extract(html, "http://news.test/2026/03/dam/")
    assert isinstance(result, Extraction), result
    assert result.author == author


def test_an_older_page_is_read_by_its_line_breaks_and_its_title(extractor: ArticleExtractor) -> None:
    # A 2008-style page: paragraphs separated by <br><br> in a <font> block, the headline in
    # <b>, "Site - Headline" in <title>, a sidebar of real <p> paragraphs beside the story.
    result = extract(extractor, "line-break-article.html",
                     "http://harborgazette.test/news/2008/03/13/ferry.html")
    assert result.text.splitlines() == [
        "The island ferry carried its first passengers in nine days on Wednesday morning, after "
        "crews finished rebuilding the landing ramp that the February storm tore loose from its "
        "pilings.",
        "Harbor master Linda Ortiz said the damage to the ramp was worse than divers first "
        "reported, and that two of the steel supports had to be replaced rather than welded.",
        "Islanders who had been relying on a water taxi for groceries and medical visits lined up "
        "at the dock well before the first departure, some of them carrying empty coolers for the "
        "trip back.",
        "The ferry will run its winter schedule of six crossings a day until the end of April, "
        "when the summer timetable adds the late evening boats for commuters."]
    assert result.title == "Ferry service resumes after storm repairs"
    assert result.site == "Harbor Gazette"
    assert result.author == "Tom Keller"
    assert result.published == "2008-03-13"


@pytest.mark.parametrize(("page_title", "headline"), [
    ("Lakeside Tribune - Dam spillway opened after record rain", "Dam spillway opened after record rain"),
    ("Dam spillway opened after record rain | Lakeside Tribune", "Dam spillway opened after record rain"),
    # Only the last part may be the site's name: "- by <author>" stays a part of the headline.
    ("Dam spillway opened - by Ana Ruiz - Lakeside Tribune", "Dam spillway opened - by Ana Ruiz"),
])
def test_the_headline_from_a_title_element_without_the_site(
        extractor: ArticleExtractor, page_title: str, headline: str) -> None:
    html = (f"<html><head><title>{page_title}</title></head><body><div class='story'>"
            f"<b>Storm update</b>{_DAM_STORY}</div></body></html>")
    result = extractor.extract(html, "http://lakesidetribune.test/2026/03/dam/")
    assert isinstance(result, Extraction), result
    assert result.title == headline

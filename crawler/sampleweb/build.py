"""Write the bundled sample web (stories.json) as a directory the proxy server can serve.

Three publishers and a wire publish the stories; two aggregators ("autoblogs") republish
them with the boilerplate real aggregators add: "Original Article" and "via" lines,
template placeholders, "READ MORE ►" teasers, embedded tweets, cookie banners, "Related
Articles" blocks quoting other stories. Copies are full, partial, edited reprints, chains,
old versions and mixed rewrites. Listing pages paginate, and each site has furniture pages,
a feed, a sitemap named in robots.txt, a redirect loop, a broken link and a PDF.

    python -m crawler.sampleweb.build DIR
"""

from __future__ import annotations

import argparse
import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STORIES_FILE = Path(__file__).with_name("stories.json")
AGGREGATORS = ("newsdigest-hub.test", "autoblog-news.test")
PUBLISHERS = ("riverton-herald.test", "lakeside-tribune.test", "continental-wire.test")
START_URLS = [f"http://{host}/" for host in AGGREGATORS]
PAGE_SIZE = 2  # listing pages hold two teasers, so the home pages paginate


@dataclass
class Web:
    files: dict[str, str] = field(default_factory=dict)  # url -> body
    redirects: dict[str, str] = field(default_factory=dict)
    content_types: dict[str, str] = field(default_factory=dict)
    listed: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)  # host -> teasers
    published: dict[str, str] = field(default_factory=dict)  # url -> ISO 8601

    def add(self, url: str, body: str, content_type: str | None = None) -> None:
        self.files[url] = body
        if content_type:
            self.content_types[url] = content_type

    def write(self, root: Path) -> None:
        hosts = sorted({url.split("/")[2] for url in self.files})
        for url, body in self.files.items():
            host, _, path = url.split("://", 1)[1].partition("/")
            file = root / "sites" / host / path
            if not path or path.endswith("/"):
                file = file / "index.html"
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(body, "utf-8")
        meta = {"hosts": hosts, "redirects": self.redirects, "content_types": self.content_types}
        (root / "web.json").write_text(json.dumps(meta, indent=1, sort_keys=True), "utf-8")
        (root / "start_urls.txt").write_text("\n".join(START_URLS) + "\n", "utf-8")


def _page(host: str, title: str, body: str, head: str = "") -> str:
    nav = "".join(f'<li><a href="http://{host}/{s}/">{s.title()}</a></li>' for s in ("local", "world"))
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f' | {host}</title>\n<link rel="alternate" type="application/rss+xml" '
        f'href="http://{host}/rss.xml">\n{head}</head>\n<body><div class="cookie-banner"><p>We use '
        f'cookies to improve your experience. By continuing you agree.</p></div>\n<header><a href="'
        f'http://{host}/">{host}</a><nav><ul><li><a href="http://{host}/">Home</a></li>{nav}'
        f'<li><a href="http://{host}/search?q=news">Search</a></li></ul></nav></header>\n'
        f'<main>{body}</main>\n<footer><a href="http://{host}/about/">About us</a> | <a href="'
        f'http://{host}/contact/">Contact</a> | <a href="http://{host}/rss.xml">RSS</a> '
        f"<p>Copyright {host}. All rights reserved.</p></footer></body></html>\n"
    )


def _paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{html.escape(t)}</p>\n" for t in texts)


def _publisher_head(story: dict[str, Any], url: str, style: int) -> str:
    if style == 0:  # JSON-LD
        data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story["title"],
                "datePublished": story["published"], "author": {"@type": "Person", "name": story["author"]}}
        return f'<script type="application/ld+json">{json.dumps(data)}</script>\n'
    if style == 1:  # Open Graph
        return (f'<meta property="og:type" content="article"><meta property="og:url" content="{url}">'
                f'<meta property="article:published_time" content="{story["published"]}">\n')
    return f'<link rel="canonical" href="{url}">\n'  # dates visible only


def _publish(web: Web, story: dict[str, Any], url: str, site: str, paragraphs: list[str],
             related: list[tuple[str, str, str]], extra_head: str = "", credit: str = "") -> None:
    style = PUBLISHERS.index(site) if site in PUBLISHERS else 2
    heading = f'<h1>{html.escape(story["title"])}</h1><p class="byline">By {story["author"]} | {story["published"][:10]}</p>'
    teasers = "".join(
        f'<div class="teaser"><h3><a href="{u}">{html.escape(t)}</a></h3><p>{html.escape(e)}</p></div>'
        for u, t, e in related
    )
    body = (f'<article>{heading}<div class="article-body">{_paragraphs(paragraphs)}{credit}</div>'
            f'</article><aside class="more-stories"><h2>More stories</h2>{teasers}</aside>')
    web.add(url, _page(site, story["title"], body, _publisher_head(story, url, style) + extra_head))
    web.listed.setdefault(site, []).append((url, story["title"], paragraphs[0]))
    web.published[url] = story["published"]


def _aggregate(web: Web, copy: dict[str, Any], story: dict[str, Any], source_url: str,
               paragraphs: list[str], related: list[tuple[str, str, str]], teaser: tuple[str, str]) -> None:
    site, url = copy["site"], f'http://{copy["site"]}{copy["path"]}'
    body_parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    body_parts.insert(min(2, len(body_parts)), f'<p><strong>READ MORE &#9658;</strong></p><p><a href="{teaser[0]}">{html.escape(teaser[1])}</a></p>')
    if copy.get("tweet"):
        body_parts.insert(1, '<blockquote class="twitter-tweet"><p>Shaking felt all along the coast, stay safe everyone pic.twitter.com/abc123</p>&mdash; Coast Watch (@coastwatch) March 5, 2026</blockquote>')
    outlet = source_url.split("/")[2].split(".")[0].replace("-", " ")
    head = ""
    attribution = copy["attribution"]
    if attribution in ("original-article", "chain"):
        credit = f'<p><a href="{source_url}" target="_blank" rel="noopener">Original Article</a></p><p>{outlet}</p>'
    elif attribution == "via":
        credit = f'<p class="via">via <a href="{source_url}">{outlet.title()}</a></p><p>{outlet}</p>'
    elif attribution == "source":
        credit = f'<p>Source: <a href="{source_url}">{outlet.title()}</a></p>'
    elif attribution == "none":  # copied without a word: only the publisher's sitemap tells
        credit = ""
    else:  # the page names its source only in its head
        credit, head = "", f'<link rel="canonical" href="{source_url}">\n'
    related_html = "".join(
        f'<div class="excerpt"><h3><a href="{u}">{html.escape(t)}</a></h3><p>{html.escape(e[:90])}...</p></div>'
        for u, t, e in related
    )
    body = (f'<article class="single-post"><h1 class="post-title">{html.escape(story["title"])}</h1>'
            f'<div class="post-meta">By admin | {story["published"][:10]}</div><div class="post-content">'
            + "\n".join(body_parts) + f"\n<p>[contf]</p><p>[contfnew]</p>{credit}<p>[contfnewc]</p></div>"
            f'<div class="share">Share this: <a href="#">Facebook</a> <a href="#">Twitter</a></div>'
            f'<div class="related-posts"><h2>Related Articles</h2>{related_html}</div></article>')
    web.add(url, _page(site, story["title"], body, head))
    web.listed.setdefault(site, []).append((url, story["title"], paragraphs[0]))


def _listings(web: Web, host: str) -> None:
    teasers = web.listed.get(host, [])
    pages = [teasers[i : i + PAGE_SIZE] for i in range(0, len(teasers), PAGE_SIZE)] or [[]]
    for number, chunk in enumerate(pages, start=1):
        items = "".join(
            f'<article class="post"><h2><a href="{u}?utm_source=home">{html.escape(t)}</a></h2>'
            f"<p>{html.escape(e[:120])}...</p></article>" for u, t, e in chunk
        )
        older = f'<a class="next" href="http://{host}/page/{number + 1}/">Older posts</a>' if number < len(pages) else ""
        url = f"http://{host}/" if number == 1 else f"http://{host}/page/{number}/"
        web.add(url, _page(host, "Latest news", f"<h1>Latest news</h1>{items}{older}"))
    for section in ("local", "world"):
        web.add(f"http://{host}/{section}/", _page(host, section.title(), f"<h1>{section.title()}</h1>" + "".join(
            f'<article class="post"><h2><a href="{u}">{html.escape(t)}</a></h2><p>{html.escape(e[:100])}</p></article>'
            for u, t, e in teasers[:3])))
    for name in ("about", "contact"):
        web.add(f"http://{host}/{name}/", _page(host, name.title(), f"<h1>{name.title()}</h1><p>{host} is a "
                "news site of the Copydesk sample web. Write to the editors at the address below; we read "
                "every letter and answer most of them within a week.</p>"))
    robots = f"User-agent: *\nDisallow: /search\n\nSitemap: http://{host}/sitemap.xml\n"
    web.add(f"http://{host}/robots.txt", robots, "text/plain; charset=utf-8")
    entries = "".join(f"<url><loc>{html.escape(u)}</loc></url>" for u, _, _ in teasers)
    web.add(f"http://{host}/sitemap.xml", '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns='
            f'"http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>', "application/xml")
    items = "".join(
        f"<item><title>{html.escape(t)}</title><link>{u}</link>"
        + (f"<pubDate>{_rfc822(web.published[u])}</pubDate>" if u in web.published else "")
        + "</item>" for u, t, _ in teasers)
    web.add(f"http://{host}/rss.xml", f'<?xml version="1.0"?><rss version="2.0"><channel><title>{host}</title>'
            f"{items}</channel></rss>", "application/rss+xml; charset=utf-8")


def _rfc822(iso: str) -> str:
    return datetime.fromisoformat(iso).replace(tzinfo=UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")


def build_web() -> Web:
    data = json.loads(STORIES_FILE.read_text("utf-8"))
    stories = {s["id"]: s for s in data["stories"]}
    web = Web()
    url_of = {s["id"]: f'http://{s["site"]}{s["path"]}' for s in data["stories"]}
    leads = [(url_of[s["id"]], s["title"], s["paragraphs"][0]) for s in data["stories"]]
    for index, story in enumerate(data["stories"]):
        related = [lead for lead in leads if lead[0] != url_of[story["id"]]][index % 3 : index % 3 + 2]
        paragraphs = [story.get("dateline", "") + story["paragraphs"][0], *story["paragraphs"][1:]]
        _publish(web, story, url_of[story["id"]], story["site"],
                 paragraphs + story.get("updated_paragraphs", []), related)
    for number, copy in enumerate(data["copies"]):
        story = stories[copy["story"]]
        text = list(story["paragraphs"])
        source = url_of[story["id"]]
        if copy["kind"] == "partial":
            text = text[: copy["keep"]]
        elif copy["kind"] == "mixed":
            text += [stories[copy["mix_with"]]["paragraphs"][i] for i in copy["mix_paragraphs"]]
        if copy["attribution"] == "chain":
            source = "http://" + copy["via"]
        if copy["kind"] == "reprint":
            text[0] = copy["dateline"] + text[0]
            text[-1] = text[-1].replace("several hours", "about four hours")
            credit = f'<p class="credit">Credit: <a href="{source}">Continental Wire</a></p>'
            _publish(web, {**story, "published": "2026-03-05T07:10:00"}, f'http://{copy["site"]}{copy["path"]}',
                     copy["site"], text, leads[number % 3 : number % 3 + 2], credit=credit)
            continue
        teaser = leads[(number + 1) % len(leads)][:2]
        related = [lead for lead in leads if lead[0] != source][number % 4 : number % 4 + 3]
        _aggregate(web, copy, story, source, text, related, teaser)
    # A redirect loop, a broken link and a PDF, as real sites have.
    web.redirects["http://newsdigest-hub.test/loop/a"] = "http://newsdigest-hub.test/loop/b"
    web.redirects["http://newsdigest-hub.test/loop/b"] = "http://newsdigest-hub.test/loop/a"
    web.listed["newsdigest-hub.test"].append(("http://newsdigest-hub.test/loop/a", "Loop", "A redirect loop."))
    web.listed["newsdigest-hub.test"].append(("http://newsdigest-hub.test/missing-story/", "Gone", "A broken link."))
    web.add("http://newsdigest-hub.test/files/report.pdf", "%PDF-1.4 not really a pdf", "application/pdf")
    web.listed["newsdigest-hub.test"].append(("http://newsdigest-hub.test/files/report.pdf", "Report", "A PDF file."))
    for host in (*AGGREGATORS, *PUBLISHERS):
        _listings(web, host)
    return web


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the bundled sample web to a directory.")
    parser.add_argument("directory", type=Path)
    args = parser.parse_args()
    build_web().write(args.directory)
    print(f"sample web written to {args.directory}")


if __name__ == "__main__":
    main()

"""Stories shown to a person: a terminal table, or one self-contained HTML page (no
scripts, no network: inline CSS and SVG) with each story's original, copies, similarity,
evidence and timeline, and per-site copy rates with a bar chart. Page text is escaped for
the terminal and for HTML (crawler.safe_text)."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from crawler.safe_text import for_terminal
from pipelines.story_views import SiteRate, StoryView
from pipelines.story_views import host_of as _host


def render_table(stories: list[StoryView], width: int | None = None) -> str:
    """Plain text: one block per story, its pages below it (the original marked *); lines
    cut to `width` characters when given."""
    if not stories:
        return "no stories match\n"
    lines = []
    for story in stories:
        title = _cut(for_terminal(story.title or "(no title)"), width and width - 30)
        lines.append(f"{story.story_id}  {title}  [{story.copies} cop{'y' if story.copies == 1 else 'ies'}]")
        for page in story.pages:
            mark = "*" if page.is_original else " "
            similarity = f"{page.similarity:.2f}" if page.similarity is not None else "  - "
            evidence = f"  ({for_terminal(page.source_evidence)})" if page.source_evidence else ""
            lines.append(f"  {mark} {similarity}  {_cut(for_terminal(page.url), width and width - 12)}"
                         f"{evidence}")
    return "\n".join(lines) + "\n"


def _cut(text: str, width: int | None) -> str:
    if width is None or len(text) <= width:
        return text
    return text[: max(width - 1, 1)] + "…"


def _e(value: object) -> str:
    return html.escape(for_terminal("" if value is None else value))


def _when(page_time: str | None) -> datetime | None:
    if not page_time:
        return None
    try:
        moment = datetime.fromisoformat(page_time.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _timeline(story: StoryView) -> str:
    """An SVG line of the story's pages by when they appeared (published, else fetched)."""
    points = [(when, page) for page in story.pages
              if (when := _when(page.published) or _when(page.fetched_at)) is not None]
    if not points:
        return ""
    first, last = min(w for w, _ in points), max(w for w, _ in points)
    span = (last - first).total_seconds() or 1.0
    marks = []
    for index, (when, page) in enumerate(sorted(points, key=lambda p: p[0])):
        x = 70 + 460 * (when - first).total_seconds() / span
        color = "#c0392b" if page.is_original else "#2c7fb8"
        label = f"{page.site or _host(page.url)} {when:%Y-%m-%d %H:%M}"
        marks.append(f'<circle cx="{x:.1f}" cy="20" r="6" fill="{color}"><title>{_e(label)}</title></circle>'
                     f'<text x="{x:.1f}" y="{40 + 12 * (index % 3)}" font-size="10" text-anchor="middle">'
                     f"{_e(when.strftime('%b %d %H:%M'))}</text>")
    return ('<svg class="timeline" viewBox="0 0 600 80" role="img" aria-label="timeline">'
            '<line x1="70" y1="20" x2="530" y2="20" stroke="#999"/>' + "".join(marks) + "</svg>")


def _rate_chart(rates: list[SiteRate]) -> str:
    rows = []
    for index, rate in enumerate(rates[:30]):
        y = 8 + index * 22
        rows.append(f'<text x="0" y="{y + 12}" font-size="12">{_e(rate.site)}</text>'
                    f'<rect x="220" y="{y}" width="{300 * rate.copy_rate:.1f}" height="14" fill="#2c7fb8"/>'
                    f'<text x="{228 + 300 * rate.copy_rate:.1f}" y="{y + 12}" font-size="12">'
                    f"{rate.copy_rate:.0%} ({rate.copies}/{rate.pages})</text>")
    height = 16 + 22 * len(rows)
    return (f'<svg class="rates" viewBox="0 0 640 {height}" role="img" '
            f'aria-label="copy rate per site">{"".join(rows)}</svg>')


_STYLE = """
body { font: 15px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.6em; } h2 { font-size: 1.15em; margin: 0 0 .3em; }
section.story { border: 1px solid #ddd; border-radius: 6px; padding: 1em; margin: 1em 0; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
td, th { text-align: left; padding: .2em .5em; border-bottom: 1px solid #eee; vertical-align: top; }
tr.original td { font-weight: 600; } .meta { color: #666; font-size: .9em; }
td.url { word-break: break-all; } svg.timeline { width: 100%; max-width: 600px; }
svg.rates { width: 100%; max-width: 640px; }
"""


def render_html(stories: list[StoryView], rates: list[SiteRate], source: str) -> str:
    """One self-contained page."""
    sections = []
    for story in stories:
        rows = "".join(
            f'<tr class="{"original" if p.is_original else "copy"}">'
            f"<td>{'original' if p.is_original else 'copy'}</td><td>{_e(p.site or _host(p.url))}</td>"
            f'<td class="url"><a href="{_e(p.url)}">{_e(p.url)}</a></td>'
            f"<td>{'' if p.similarity is None else f'{p.similarity:.2f}'}</td>"
            f"<td>{_e(p.source_evidence)}{' → ' + _e(p.source_url) if p.source_url else ''}</td>"
            f"<td>{_e(p.published)}</td><td>{_e(p.fetched_at)}</td></tr>"
            for p in story.pages)
        sections.append(
            f'<section class="story" id="{_e(story.story_id)}"><h2>{_e(story.title or "(no title)")}</h2>'
            f'<p class="meta">{_e(story.story_id)} · original <a href="{_e(story.canonical_url)}">'
            f"{_e(story.canonical_url)}</a> ({_e(story.canonical_reason)}) · {story.copies} "
            f"cop{'y' if story.copies == 1 else 'ies'} · first seen {_e(story.first_seen)}</p>"
            f"{_timeline(story)}<table><tr><th></th><th>site</th><th>page</th><th>similarity</th>"
            f"<th>evidence</th><th>published</th><th>fetched</th></tr>{rows}</table></section>")
    copies = sum(s.copies for s in stories)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Copydesk stories</title><style>{_STYLE}</style></head><body>"
        f"<h1>Copydesk stories</h1><p class=\"meta\">{len(stories)} stories, {copies} copies, "
        f"from {_e(source)}. Timelines place each page at its publication (else fetch) time: "
        '<span style="color:#c0392b">● original</span>, <span style="color:#2c7fb8">● copy</span>.</p>'
        f"<h2>Copy rate per site</h2>{_rate_chart(rates)}"
        + "".join(sections) + "</body></html>\n")

"""A crawl's stats said in a few readable lines (plain function over the stats dict)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def summary_lines(stats: Mapping[str, Any]) -> list[str]:
    """What a person wants to know at the end of a crawl: what was fetched and stored, the
    stories, what was dropped and why, the errors, how it ended."""
    def total(prefix: str) -> dict[str, int]:
        return {key[len(prefix):]: int(value) for key, value in sorted(stats.items())
                if key.startswith(prefix) and isinstance(value, int | float)}

    def listed(counts: dict[str, int]) -> str:
        return ", ".join(f"{name.replace('_', ' ')} {count:,}" for name, count in counts.items()
                         if count) or "none"

    fetched = int(stats.get("response_received_count", 0))
    seconds = float(stats.get("elapsed_time_seconds") or 0)
    rate = f" ({fetched / seconds:,.1f}/s)" if seconds > 0 else ""
    stored = total("storage/articles_")
    errors = total("crawl/error/")
    robots = sum(total("robotstxt/exception_count/").values())
    if robots:
        errors["robots.txt"] = robots
    if stats.get("storage/errors"):
        errors["store writes"] = int(stats["storage/errors"])
    refused = sum(total("egress/refused/").values())
    per_source = _per_source(stats)
    if "handoff/articles" in stats:  # a worker: the story desk stores
        kept = f"{int(stats['handoff/articles']):,} articles handed to the story desk"
    else:
        kept = f"{sum(stored.values()):,} articles stored ({listed(stored)})"
    return [
        f"summary: {fetched:,} pages fetched in {seconds:,.0f} s{rate}; {kept}",
        f"  stories: {int(stats.get('dedup/new_story', 0)):,} new, "
        f"{int(stats.get('dedup/joined_story', 0)):,} copies joined to stories",
        f"  dropped: {listed(total('extraction/dropped/'))}",
        f"  skipped: {listed({**total('crawl/skipped/'), **total('incremental/')})}",
        f"  errors: {sum(errors.values()):,} ({listed(errors)}); refused by the egress policy: "
        f"{refused:,}; articles not stored: {int(stats.get('storage/not_stored', 0)):,}",
        *([per_source] if per_source else []),
        f"  finish reason: {stats.get('finish_reason', 'unknown')}",
    ]


def _per_source(stats: Mapping[str, Any]) -> str:
    """'  per source: a 12 new or updated articles (5 new stories), ...; not attributed 1':
    the articles of each source, and of none, add up to the articles stored."""
    names = sorted({key.split("/")[1] for key in stats if key.startswith("source/")})
    if not names:
        return ""
    stored = sum(int(stats.get(f"storage/articles_{o}", 0)) for o in ("new", "updated"))
    parts, attributed = [], 0
    for name in names:
        articles = sum(int(stats.get(f"source/{name}/{o}_articles", 0)) for o in ("new", "updated"))
        attributed += articles
        parts.append(f"{name} {articles:,} ({int(stats.get(f'source/{name}/new_stories', 0)):,} new stories)")
    return f"  per source (new or updated articles): {', '.join(parts)}; not attributed {stored - attributed:,}"

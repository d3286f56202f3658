"""The sources file: which sites to crawl, where to start, how much and how often.

A TOML file with one `[[source]]` table per site; sources.example.toml documents every key.
`load_sources` checks the whole file before any crawling and names the line of a mistake.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.urls import BadURLError, check_start_url, site_of

#: What `sitemaps = ["robots"]` means: the sitemaps that the site's robots.txt names.
SITEMAPS_FROM_ROBOTS = "robots"
_NAME = re.compile(r"^[A-Za-z0-9][\w.-]{0,63}$")
_KNOWN_KEYS = {
    "name", "start_urls", "feeds", "sitemaps", "max_depth", "max_pages", "allowed_hosts",
    "interval_minutes",
}


class SourcesError(ValueError):
    """A mistake in the sources file; the message names the file and line."""


@dataclass(frozen=True)
class Source:
    name: str
    start_urls: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    #: Sitemap URLs; SITEMAPS_FROM_ROBOTS stands for those named in each site's robots.txt.
    sitemaps: tuple[str, ...] = ()
    #: Links followed from a start page at most this deep (0: the start pages only).
    max_depth: int = 10
    #: At most this many pages fetched for the source in one run.
    max_pages: int = 1000
    #: Sites whose links are followed (hosts without "www."); by default the start URLs' sites.
    allowed_sites: frozenset[str] = frozenset()
    interval_minutes: int = 60

    def allows(self, url: str) -> bool:
        return site_of(url) in self.allowed_sites


def default_source(start_urls: list[str], max_depth: int) -> Source:
    """The implicit source of `-a start_urls=...` crawls."""
    return Source("default", tuple(start_urls), max_depth=max_depth, max_pages=10**9,
                  allowed_sites=frozenset(site_of(u) for u in start_urls))


def read_start_urls(start_urls: str = "", start_file: str = "") -> list[str]:
    """Start URLs from a comma-separated argument and/or a file (one a line, # comments).

    Raises:
        BadURLError: naming the bad URL, the unreadable file, or that none were given.
    """
    given = [u for u in start_urls.split(",") if u.strip()]
    if start_file:
        try:
            lines = Path(start_file).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise BadURLError(f"cannot read start file {start_file!r}: {exc}") from None
        given += [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not given:
        raise BadURLError("no start URLs: pass -a start_urls=URL[,URL...], -a start_file=FILE "
                          "or -a sources=FILE")
    return list(dict.fromkeys(check_start_url(u) for u in given))


def read_sources(start_urls: str = "", start_file: str = "", sources: str = "", only: str = "",
                 max_depth: int = 10) -> list[Source]:
    """The sources a crawl covers: a sources file (optionally `only` some of its names), or
    one implicit source of start URLs.

    Raises:
        ValueError: BadURLError or SourcesError, naming the mistake.
    """
    if not sources:
        return [default_source(read_start_urls(start_urls, start_file), max_depth)]
    chosen = load_sources(sources)
    if only:
        names = {n.strip() for n in only.split(",") if n.strip()}
        missing = names - {s.name for s in chosen}
        if missing:
            raise BadURLError(f"no source named {', '.join(sorted(missing))} in {sources}")
        chosen = [s for s in chosen if s.name in names]
    return chosen


def load_sources(path: str | Path) -> list[Source]:
    """Read and check a sources file.

    Raises:
        SourcesError: naming the file, the line and the mistake.
    """
    path = Path(path)
    try:
        text = path.read_text("utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"source"}
    if unknown:
        key = sorted(unknown)[0]
        raise SourcesError(f"{path}:{_line_of(text, None, key)}: unknown top-level key {key!r} "
                           "(sources are [[source]] tables)")
    tables = data.get("source", [])
    if not isinstance(tables, list) or not tables:
        raise SourcesError(f"{path}: no [[source]] tables")
    sources = []
    for number, table in enumerate(tables):
        try:
            sources.append(_source(table))
        except _KeyError as exc:
            raise SourcesError(f"{path}:{_line_of(text, number, exc.key)}: source "
                               f"{table.get('name', number + 1)!r}: {exc.message}") from None
    names = [s.name for s in sources]
    for number, name in enumerate(names):
        if names.index(name) != number:
            raise SourcesError(f"{path}:{_line_of(text, number, 'name')}: "
                               f"source name {name!r} is used twice")
    return sources


class _KeyError(Exception):
    def __init__(self, key: str | None, message: str) -> None:
        super().__init__(message)
        self.key, self.message = key, message


def _source(table: dict[str, Any]) -> Source:
    for key in table:
        if key not in _KNOWN_KEYS:
            raise _KeyError(key, f"unknown key {key!r} (known: {', '.join(sorted(_KNOWN_KEYS))})")
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _KeyError("name", f"name must be letters, digits, '.', '_' or '-', got {name!r}")
    start_urls, feeds = _urls(table, "start_urls"), _urls(table, "feeds")
    sitemaps = tuple(u if u == SITEMAPS_FROM_ROBOTS else _url(u, "sitemaps")
                     for u in _list(table, "sitemaps"))
    if not (start_urls or feeds or sitemaps):
        raise _KeyError("name", "needs at least one of start_urls, feeds or sitemaps")
    hosts = _list(table, "allowed_hosts")
    if any(not isinstance(h, str) or not h or "/" in h for h in hosts):
        raise _KeyError("allowed_hosts", f"allowed_hosts must be host names, got {hosts!r}")
    given = [u for u in (*start_urls, *feeds, *sitemaps) if u != SITEMAPS_FROM_ROBOTS]
    sites = frozenset(site_of(f"http://{h}/") for h in hosts) or frozenset(site_of(u) for u in given)
    return Source(
        name=name, start_urls=start_urls, feeds=feeds, sitemaps=sitemaps,
        max_depth=_int(table, "max_depth", 10, minimum=0),
        max_pages=_int(table, "max_pages", 1000, minimum=1),
        allowed_sites=sites,
        interval_minutes=_int(table, "interval_minutes", 60, minimum=1),
    )


def _list(table: dict[str, Any], key: str) -> list[Any]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise _KeyError(key, f"{key} must be a list of strings, got {value!r}")
    return value


def _urls(table: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(_url(u, key) for u in _list(table, key))


def _url(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise _KeyError(key, f"{key} must hold URLs, got {value!r}")
    try:
        return check_start_url(value)
    except BadURLError as exc:
        raise _KeyError(key, str(exc).replace("start URL", f"URL in {key}")) from None


def _int(table: dict[str, Any], key: str, default: int, minimum: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _KeyError(key, f"{key} must be a whole number >= {minimum}, got {value!r}")
    return value


def _line_of(text: str, source_number: int | None, key: str | None) -> int:
    """Line (1-based) of `key` in the given [[source]] table, or of the table's header."""
    lines = text.splitlines()
    headers = [i for i, line in enumerate(lines) if line.strip().startswith("[[source]]")]
    if source_number is None or source_number >= len(headers):
        start, end = 0, len(lines)
    else:
        start = headers[source_number]
        end = headers[source_number + 1] if source_number + 1 < len(headers) else len(lines)
    if key is not None:
        for i in range(start, end):
            if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
                return i + 1
    return start + 1

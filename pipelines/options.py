"""Stage options read from Scrapy settings, checked once, with errors that name the setting.

The option classes' fields are the settings' names without their prefix
(DEDUP_MIN_OVERLAP -> DedupOptions.min_overlap), and their errors start with the field.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from crawler.egress import EgressPolicy
from pipelines.databases import StoreError, StoreLocation
from pipelines.dedup import DedupOptions
from pipelines.extraction import ExtractionOptions

T = TypeVar("T")

logger = logging.getLogger(__name__)


class BaseSettings(Protocol):
    """What is read of Scrapy's settings object (kept as a protocol: no Scrapy import here)."""

    def get(self, name: str, default: Any = None) -> Any: ...
    def getint(self, name: str, default: int = 0) -> int: ...
    def getfloat(self, name: str, default: float = 0.0) -> float: ...
    def getbool(self, name: str, default: bool = False) -> bool: ...
    def getlist(self, name: str, default: list[str] | None = None) -> list[str]: ...


class SettingsError(ValueError):
    """A setting with a value its stage cannot use; the message names the setting."""


def extraction_options(s: BaseSettings) -> ExtractionOptions:
    def number(name: str) -> int:
        return _read(s, f"EXTRACTION_{name}", s.getint)

    return _construct("EXTRACTION_", lambda: ExtractionOptions(
        min_words=number("MIN_WORDS"), max_chars=number("MAX_CHARS"),
        fallbacks=_read(s, "EXTRACTION_FALLBACKS", s.getbool),
        focus=str(s.get("EXTRACTION_FOCUS")),
        embeds_in_text=_read(s, "EXTRACTION_EMBEDS_IN_TEXT", s.getbool),
        page_typing=_read(s, "EXTRACTION_PAGE_TYPING", s.getbool),
    ))


def dedup_options(s: BaseSettings) -> DedupOptions:
    def number(name: str) -> int:
        return _read(s, f"DEDUP_{name}", s.getint)

    def share(name: str) -> float:
        return _read(s, f"DEDUP_{name}", s.getfloat)

    return _construct("DEDUP_", lambda: DedupOptions(
        shingle_words=number("SHINGLE_WORDS"), num_perm=number("NUM_PERM"), seed=number("SEED"),
        window_shingles=number("WINDOW_SHINGLES"), lsh_threshold=share("LSH_THRESHOLD"),
        min_overlap=share("MIN_OVERLAP"), min_shingles=number("MIN_SHINGLES"),
        short_min_jaccard=share("SHORT_MIN_JACCARD"), full_copy_jaccard=share("FULL_COPY_JACCARD"),
        min_lead_share=share("MIN_LEAD_SHARE"), same_site_min_jaccard=share("SAME_SITE_MIN_JACCARD"),
    ))


def store_location(s: BaseSettings) -> StoreLocation:
    """The store: STORE_URL when set, else the SQLite file STORAGE_SQLITE_PATH."""
    url = str(s.get("STORE_URL") or "").strip()
    if not url:
        return StoreLocation("sqlite", str(s.get("STORAGE_SQLITE_PATH")))
    try:
        return StoreLocation.parse(url)
    except StoreError as exc:
        raise SettingsError(f"bad setting STORE_URL: {exc}") from None


def check_settings(s: BaseSettings) -> None:
    """Raise SettingsError for any setting that would otherwise fail once the crawl runs."""
    extraction_options(s)
    dedup_options(s)
    store_location(s)
    for name in ("DOWNLOAD_TIMEOUT", "STORAGE_LOCK_TIMEOUT", "FRONTIER_LEASE_SECONDS"):
        if _read(s, name, s.getfloat) <= 0:
            raise SettingsError(f"bad setting {name}: must be more than 0, got {s.get(name)!r}")
    for name in ("EXTRACTION_PAGE_TIMEOUT", "CRAWL_SHUTDOWN_GRACE", "DOWNLOAD_DELAY"):
        if _read(s, name, s.getfloat) < 0:
            raise SettingsError(f"bad setting {name}: must be 0 or more, got {s.get(name)!r}")
    try:
        EgressPolicy(s.getlist("EGRESS_ALLOW"))
    except ValueError as exc:
        raise SettingsError(f"bad setting EGRESS_ALLOW: {exc}") from None
    for name in ("CRAWL_SOURCE_HOPS", "CRAWL_SITEMAPS_PER_INDEX", "DEDUP_RETENTION_DAYS"):
        if _read(s, name, s.getint) < 0:
            raise SettingsError(f"bad setting {name}: must be 0 or more, got {s.get(name)!r}")
    for name in ("CRAWL_MAX_LINKS_PER_PAGE", "CRAWL_MAX_PAGES_PER_SITE", "CONCURRENT_REQUESTS",
                 "CONCURRENT_REQUESTS_PER_DOMAIN", "CONCURRENT_ITEMS", "HANDOFF_MAX_BACKLOG"):
        if _read(s, name, s.getint) < 1:
            raise SettingsError(f"bad setting {name}: must be 1 or more, got {s.get(name)!r}")


#: Prefixes of Copydesk's own settings: a name with one of them must be a known setting.
PROJECT_PREFIXES = ("CRAWL_", "EXTRACTION_", "SOURCELINK_", "DEDUP_", "STORAGE_", "INCREMENTAL_",
                    "EGRESS_", "FRONTIER_", "HANDOFF_", "STORE_")


#: Settings that no longer have an effect, and why. Given on the command line they are
#: accepted with a warning, so a scheduled job that still sets one keeps running.
RETIRED_SETTINGS = {
    "DEDUP_MERGE_COVERAGE": "two stories now merge whenever a page is verified as a copy of"
    " both, so that the grouping does not depend on the order pages arrive in",
}


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean X?)' for the closest known name, or ''."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_setting_names(given: Iterable[str], known: Iterable[str]) -> None:
    """Raise SettingsError for a setting given on the command line that nothing reads: a
    Copydesk-prefixed name that is not one of ours, or any name very close to a known one
    (a typo). Other unknown names pass (settings of a user's own extensions)."""
    known = set(known)
    for name in given:
        if name in known:
            continue
        if name in RETIRED_SETTINGS:
            logger.warning("setting %s has no effect any more: %s", name, RETIRED_SETTINGS[name])
            continue
        hint = did_you_mean(name, known)
        if name.startswith(PROJECT_PREFIXES) or difflib.get_close_matches(
                name, list(known), n=1, cutoff=0.9):
            raise SettingsError(f"unknown setting {name}{hint}")


def _read(s: BaseSettings, name: str, convert: Callable[[str], T]) -> T:
    try:
        return convert(name)
    except ValueError:
        raise SettingsError(f"bad setting {name}: {s.get(name)!r} is not a valid value") from None


def _construct(prefix: str, build: Callable[[], T]) -> T:
    try:
        return build()
    except SettingsError:
        raise
    except ValueError as exc:
        field = str(exc).split(" ", 1)[0]
        raise SettingsError(f"bad setting {prefix}{field.upper()}: {exc}") from None

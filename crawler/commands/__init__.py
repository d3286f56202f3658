"""Scrapy commands of the project (settings.COMMANDS_MODULE)."""

from __future__ import annotations

import os
import sys
from typing import Any

from pipelines.databases import StoreLocation
from pipelines.options import store_location


def stdout_reader_gone() -> None:
    """Call on BrokenPipeError: the reader of stdout stopped early (`| head`), which is no
    error; stdout is pointed at /dev/null so Python's flush at exit stays quiet too."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def existing_store(settings: Any) -> StoreLocation:
    """The store a reading command reads (STORE_URL, else STORAGE_SQLITE_PATH).

    Raises:
        ValueError: for a bad STORE_URL, or a store file that does not exist (a reader
            does not create one).
    """
    location = store_location(settings)
    if not location.exists():
        raise ValueError(f"no store at {location} (set STORAGE_SQLITE_PATH)")
    return location

"""How a story index's load keeps its memory: what Python's collector and glibc's allocator do
by default suits a program of short-lived objects, not one that builds a large index once and
keeps it. Outside glibc the allocator helpers do nothing."""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Iterator
from contextlib import contextmanager

_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)
#: glibc's default threshold: blocks this large or larger get pages of their own.
_MMAP_THRESHOLD_BYTES = 128 * 1024


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector paused: a load creates a few long-lived objects per page and
    no cycles, and the collector would walk all of them again and again as they pile up
    (a tenth of a 100,000-page load's time, measured)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def large_blocks_mapped() -> None:
    """Keep glibc giving each large block (128 KB or more) pages of its own, returned when it
    is freed. By default glibc raises that threshold each time such a block is freed, up to
    32 MB: the key arrays a load sorts in chunks (12 MB each) then come from the heap between
    the objects the index keeps, and their freed space stays resident. It holds for the
    rest of the process (glibc has no way back to the adjusting default). Measured on a
    100,000-page load: 1.92-2.04 KB a page resident by default, 1.77 with the threshold kept,
    same load time; a crawl's CPU time unchanged."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)


def release_free_heap() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim): arrays a load
    frees between the objects it keeps would otherwise stay resident (measured: 0.25 KB per
    page of a 100,000-page load)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)

"""LSH band table kept compact: sorted numpy runs of 64-bit entries, no Python object per key.

An entry packs a band key's top 40 bits with a 24-bit page number, so one sorted uint64 array
answers "which pages have this band key" with two binary searches, at 8 bytes per key (a
datasketch MinHashLSH dict costs ~100 bytes per key). Two different keys sharing their top 40
bits make a false candidate, which verification then rejects: with 200 M keys indexed that is
about one in 5,000 lookups.

New entries go to a small dict; full dicts become sorted runs, and runs of similar size merge
(a log-structured merge), so adding a page costs O(log n) amortized and loading a stored index
is one sort. Removed pages are filtered at lookup and dropped when their run is merged.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pipelines.signatures import Keys

PAGE_BITS = 24
#: Page numbers are 24-bit: one index holds at most this many page versions.
MAX_PAGES = 1 << PAGE_BITS
_PAGE_MASK = np.uint64(MAX_PAGES - 1)
_BUFFER_KEYS = 1 << 15

Pages = npt.NDArray[np.uint32]


class IndexFullError(Exception):
    """More page versions than one index can number; the message says what to do."""


class BandTable:
    def __init__(self) -> None:
        self._runs: list[npt.NDArray[np.uint64]] = []
        self._buffer: dict[int, list[int]] = {}
        self._buffered = 0
        self._removed = np.zeros(1024, dtype=bool)

    def __len__(self) -> int:
        return sum(run.size for run in self._runs) + self._buffered

    def add(self, page: int, keys: Keys) -> None:
        _check_number(page)
        for key in (keys >> np.uint64(PAGE_BITS)).tolist():
            self._buffer.setdefault(key, []).append(page)
        self._buffered += keys.size
        if self._buffered >= _BUFFER_KEYS:
            self._flush()

    def bulk_load(self, pages: Pages, keys: Keys) -> None:
        """Add many pages at once: `keys[i]` belongs to page `pages[i]`."""
        if pages.size:
            _check_number(int(pages.max()))
        packed = (keys & ~_PAGE_MASK) | pages.astype(np.uint64)
        self._push(np.sort(packed))

    def remove(self, page: int) -> None:
        if page >= self._removed.size:
            grown = np.zeros(max(page + 1, 2 * self._removed.size), dtype=bool)
            grown[: self._removed.size] = self._removed
            self._removed = grown
        self._removed[page] = True

    def pages_sharing(self, keys: Keys) -> set[int]:
        """Numbers of the (not removed) pages indexed under any of `keys`."""
        prefixes = keys >> np.uint64(PAGE_BITS)
        found: set[int] = set()
        for run in self._runs:
            low = np.searchsorted(run, prefixes << np.uint64(PAGE_BITS))
            high = np.searchsorted(run, (prefixes + np.uint64(1)) << np.uint64(PAGE_BITS))
            for hit in np.flatnonzero(high > low).tolist():  # most lookups find nothing
                found.update((run[low[hit] : high[hit]] & _PAGE_MASK).tolist())
        for prefix in self._buffer.keys() & set(prefixes.tolist()):
            found.update(self._buffer[prefix])
        return {page for page in found if not self._is_removed(page)}

    def _is_removed(self, page: int) -> bool:
        return page < self._removed.size and bool(self._removed[page])

    def _flush(self) -> None:
        if not self._buffer:
            return
        prefixes, pages = [], []
        for prefix, numbers in self._buffer.items():
            prefixes.extend([prefix] * len(numbers))
            pages.extend(numbers)
        packed = (np.array(prefixes, dtype=np.uint64) << np.uint64(PAGE_BITS)) | np.array(
            pages, dtype=np.uint64)
        self._buffer, self._buffered = {}, 0
        self._push(np.sort(packed))

    def _push(self, run: npt.NDArray[np.uint64]) -> None:
        self._runs.append(run)
        while len(self._runs) > 1 and self._runs[-1].size * 2 >= self._runs[-2].size:
            newer, older = self._runs.pop(), self._runs.pop()
            merged = np.concatenate((older, newer))
            self._runs.append(np.sort(merged[~self._removed_mask(merged)]))

    def _removed_mask(self, packed: npt.NDArray[np.uint64]) -> npt.NDArray[np.bool_]:
        pages = (packed & _PAGE_MASK).astype(np.int64)
        mask = np.zeros(packed.size, dtype=bool)
        known = pages < self._removed.size
        mask[known] = self._removed[pages[known]]
        return mask


def _check_number(page: int) -> None:
    if page >= MAX_PAGES:
        raise IndexFullError(
            f"the story index holds at most {MAX_PAGES:,} page versions in one process; "
            "lower DEDUP_RETENTION_DAYS so fewer stored pages are loaded")

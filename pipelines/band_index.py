"""LSH band table kept compact: sorted numpy runs of entries, no Python object per key.

An entry packs a band key's top 40 bits with a 24-bit page number, so one sorted uint64 array
answers "which pages have this band key" with two binary searches, at 8 bytes per key (a
datasketch MinHashLSH dict costs ~100 bytes per key). Two different keys sharing their top 40
bits make a false candidate, which verification then rejects: with 200 M keys indexed that is
about one in 5,000 lookups. A large run (a loaded index) keeps 6 bytes an entry: its top 16
bits are implied by the entry's position (where each of the 65,536 buckets starts).

New entries go to a small dict; full dicts become sorted runs, and runs of similar size merge
(a log-structured merge), so adding a page costs O(log n) amortized and loading a stored index
is a sort of each chunk as it is read, then one merge. Removed pages are filtered at lookup
and dropped when their run is merged.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from pipelines.signatures import Keys

PAGE_BITS = 24
#: Page numbers are 24-bit: one index holds at most this many page versions.
MAX_PAGES = 1 << PAGE_BITS
_PAGE_MASK = np.uint64(MAX_PAGES - 1)
_BUFFER_KEYS = 1 << 15
#: Runs of at least this many entries are kept at 6 bytes an entry (CompactRun).
COMPACT_RUN_KEYS = 1 << 20

Pages = npt.NDArray[np.uint32]
Packed = npt.NDArray[np.uint64]


class PlainRun:
    """Sorted packed entries, 8 bytes each."""

    def __init__(self, packed: Packed) -> None:
        self.entries = packed
        self.size = packed.size

    def packed(self) -> Packed:
        return self.entries

    def pages_with(self, prefixes: Packed) -> list[int]:
        first = prefixes << np.uint64(PAGE_BITS)
        low = np.searchsorted(self.entries, first)
        high = np.searchsorted(self.entries, first | _PAGE_MASK, side="right")
        found: list[int] = []
        for hit in np.flatnonzero(high > low).tolist():  # most lookups find nothing
            found += (self.entries[low[hit] : high[hit]] & _PAGE_MASK).tolist()
        return found


class CompactRun:
    """Sorted packed entries at 6 bytes each: an entry's top 16 bits are its bucket, implied
    by where it lies (bucket b holds entries starts[b]:starts[b + 1]); its next 32 bits are in
    `high` and its last 16 in `low`. A key prefix's entries all lie in one bucket, and as
    prefixes end in 24 page bits, `high` alone tells where they begin and end."""

    def __init__(self, packed: Packed) -> None:
        firsts = np.searchsorted(packed, np.arange(1 << 16, dtype=np.uint64) << np.uint64(48))
        self.starts = np.append(firsts, packed.size)
        # Bits 16..47 are bytes 2..5 of each little-endian entry: copied as they lie.
        self.high = np.ndarray(packed.shape, np.dtype("<u4"), packed.astype("<u8", copy=False),
                               offset=2, strides=(8,)).astype(np.uint32)
        self.low = packed.astype(np.uint16)  # keeps bits 0..15
        self.size = packed.size

    def packed(self) -> Packed:
        packed: Packed = np.repeat(np.arange(1 << 16, dtype=np.uint64), np.diff(self.starts))
        packed <<= np.uint64(48)
        packed |= self.high.astype(np.uint64) << np.uint64(16)
        packed |= self.low
        return packed

    def pages_with(self, prefixes: Packed) -> list[int]:
        bucket = (prefixes >> np.uint64(24)).astype(np.int64)  # a prefix is 40 bits
        # Entries of prefix p have high in [(p mod 2^24) << 8, ((p mod 2^24) + 1) << 8).
        rest = (prefixes & np.uint64(0xFFFFFF)).astype(np.int64) << 8
        first, end = self.starts[bucket], self.starts[bucket + 1]
        low = _lower_bounds(self.high, first, end, rest)
        high = _lower_bounds(self.high, low, end, rest + 256)
        found: list[int] = []
        for hit in np.flatnonzero(high > low).tolist():
            span = slice(low[hit], high[hit])
            pages = ((self.high[span] & np.uint32(0xFF)).astype(np.uint32) << np.uint32(16)) \
                | self.low[span]
            found += pages.tolist()
        return found


def _lower_bounds(values: npt.NDArray[np.uint32], low: npt.NDArray[np.int64],
                  high: npt.NDArray[np.int64], targets: npt.NDArray[np.int64]
                  ) -> npt.NDArray[np.int64]:
    """For each i, the first position in values[low[i]:high[i]] (sorted) whose value is at
    least targets[i]: a binary search run for every i at once."""
    low, high = low.astype(np.int64), high.astype(np.int64)
    last = max(values.size - 1, 0)
    while True:
        searching = low < high
        if not searching.any():
            return low
        middle = (low + high) >> 1
        right = searching & (values[np.minimum(middle, last)] < targets)
        low = np.where(right, middle + 1, low)
        high = np.where(searching & ~right, middle, high)


def _packed_run(pages: Pages, keys: Keys) -> Packed:
    """The entries of `keys[i]` of page `pages[i]`, sorted (in `keys`' memory)."""
    if pages.size:
        _check_number(int(pages.max()))
    keys &= ~_PAGE_MASK
    keys |= pages
    keys.sort()
    return keys


def _merge_on_two_cores(runs: list[Packed]) -> Packed:
    """One sorted array of the sorted, non-empty `runs` (emptied): the entries below a pivot
    merged in one thread, the rest in another (a stable sort finds the runs: one merge pass
    each)."""
    total = sum(run.size for run in runs)
    if len(runs) == 1:
        return runs.pop()
    largest = max(runs, key=len)
    pivot = largest[largest.size // 2]  # keys are hashes: about half of every run is below
    cuts = [int(np.searchsorted(run, pivot)) for run in runs]
    merged = np.empty(total, dtype=np.uint64)
    below = sum(cuts)
    np.concatenate([run[:cut] for run, cut in zip(runs, cuts)], out=merged[:below])
    np.concatenate([run[cut:] for run, cut in zip(runs, cuts)], out=merged[below:])
    runs.clear()
    other = threading.Thread(target=merged[:below].sort, kwargs={"kind": "stable"},
                             name="band-merge")
    other.start()
    merged[below:].sort(kind="stable")
    other.join()
    return merged


def _run(packed: Packed, compact_from: int) -> PlainRun | CompactRun:
    return CompactRun(packed) if packed.size >= compact_from else PlainRun(packed)


class IndexFullError(Exception):
    """More page versions than one index can number; the message says what to do."""


class BandTable:
    def __init__(self, compact_from: int = COMPACT_RUN_KEYS) -> None:
        self._compact_from = compact_from
        self._runs: list[PlainRun | CompactRun] = []
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

    def bulk_load(self, chunks: Iterable[tuple[Pages, Keys]]) -> None:
        """Add many pages at once, chunk by chunk as the caller reads them: in a chunk
        (pages, keys), `keys[i]` belongs to page `pages[i]`. A helper thread sorts each chunk
        while the caller makes the next (numpy lets go of the GIL while it sorts, and a
        load's reading is Python work that holds it); the sorted chunks are merged at the end.
        Takes the key arrays over (their memory becomes the table's)."""
        with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="band-sort") as sorter:
            sorting = [sorter.submit(_packed_run, pages, keys) for pages, keys in chunks]
            runs = [run.result() for run in sorting]
        del sorting
        runs = [run for run in runs if run.size]
        if runs:
            self._push(_merge_on_two_cores(runs))

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
            found.update(run.pages_with(prefixes))
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

    def _push(self, run: Packed) -> None:
        self._runs.append(_run(run, self._compact_from))
        while len(self._runs) > 1 and self._runs[-1].size * 2 >= self._runs[-2].size:
            newer, older = self._runs.pop(), self._runs.pop()
            merged = np.concatenate((older.packed(), newer.packed()))
            merged = np.sort(merged[~self._removed_mask(merged)])
            self._runs.append(_run(merged, self._compact_from))

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

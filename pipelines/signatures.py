"""MinHash signatures of text windows and their LSH band keys, computed for a whole text at once.

The signatures are datasketch's: its permutations, its "affine32" scheme (the input hash
pre-mixed by the MurmurHash3 finalizer, then a*h + b mod 2^32), so a window's signature equals
`MinHash(num_perm, seed).update_batch(window)`; tests check that. datasketch applies the scheme
to one set per call; here one numpy pass covers every window of a text (about 20x faster).

Band keys follow MinHashLSH's layout (b bands of r rows, chosen by datasketch for the
threshold); each band's r values are mixed into one 64-bit key, salted by the band number so
one table serves every band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from datasketch import MinHash, MinHashLSH

from pipelines.shingles import Hashes

#: datasketch's MinHash permutation scheme; stored with the index.
MINHASH_SCHEME = "affine32"
#: Version of the band keys below (their mixing, and which windows a text is stored under);
#: stored with the index (keys are persisted).
BAND_KEY_VERSION = "mix64-v2"

Keys = npt.NDArray[np.uint64]

_M32 = (np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35))
_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class WindowKeys:
    #: Band keys of every window (half a window apart): what a text looks up.
    query: Keys
    #: Band keys of the first two windows and every other window after them: what a text
    #: is indexed under. Any window of a query lying inside a stored text shares three
    #: quarters of one of them; the opening, where copies start, is stored at every half
    #: window, so a copy whose windows a note after the lead shifts still meets it.
    stored: Keys


class WindowSigner:
    """Cuts shingle hashes into windows and gives each window's LSH band keys."""

    def __init__(self, num_perm: int, seed: int, window_shingles: int, threshold: float) -> None:
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
        self.bands, self.rows = lsh.b, lsh.r
        a, b = MinHash(num_perm=num_perm, seed=seed, scheme=MINHASH_SCHEME).permutations
        self._a = np.asarray(a, dtype=np.uint32)[:, None]
        self._b = np.asarray(b, dtype=np.uint32)[:, None]
        self.window = window_shingles
        self.scheme = (f"{MINHASH_SCHEME}/{num_perm}/{seed}/w{window_shingles}/"
                       f"{self.bands}x{self.rows}/{BAND_KEY_VERSION}")
        salts = np.arange(1, self.bands + 1, dtype=np.uint64) * np.uint64(0xD6E8FEB86659FD93)
        self._salts = salts

    def signatures(self, hashes: Hashes) -> npt.NDArray[np.uint32]:
        """One MinHash (num_perm values) per window, as rows; windows are `window` shingles
        long and start every half window (a short text is one window)."""
        if hashes.size == 0:
            return np.empty((0, self._a.shape[0]), dtype=np.uint32)
        step = max(self.window // 2, 1)
        values = _fmix32((hashes & np.uint64(0xFFFFFFFF)).astype(np.uint32))
        with np.errstate(over="ignore"):
            permuted = values[None, :] * self._a + self._b  # num_perm x shingles
        segments = np.minimum.reduceat(permuted, np.arange(0, values.size, step), axis=1).T
        if len(segments) == 1:
            return segments
        return np.minimum(segments[:-1], segments[1:])  # two half windows make a window

    def keys(self, hashes: Hashes) -> WindowKeys:
        signatures = self.signatures(hashes)
        if len(signatures) == 0:
            empty = np.empty(0, dtype=np.uint64)
            return WindowKeys(empty, empty)
        query = self._band_keys(signatures)
        count = len(signatures)
        # The tail is covered too.
        stored_rows = sorted({*range(min(count, 2)), *range(0, count, 2), count - 1})
        return WindowKeys(query.ravel(), query[stored_rows].ravel())

    def _band_keys(self, signatures: npt.NDArray[np.uint32]) -> Keys:
        bands = signatures[:, : self.bands * self.rows].astype(np.uint64)
        bands = bands.reshape(len(signatures), self.bands, self.rows)
        key = np.zeros(bands.shape[:2], dtype=np.uint64)
        with np.errstate(over="ignore"):
            for row in range(self.rows):
                key = (key ^ bands[:, :, row]) * _BAND_MIX
                key ^= key >> np.uint64(31)
            key ^= self._salts
            key *= _BAND_MIX
            key ^= key >> np.uint64(29)
        return key


def _fmix32(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finalizer, as datasketch's affine32 scheme applies it."""
    with np.errstate(over="ignore"):
        values = values ^ (values >> np.uint32(16))
        values = values * _M32[0]
        values = values ^ (values >> np.uint32(13))
        values = values * _M32[1]
        return values ^ (values >> np.uint32(16))

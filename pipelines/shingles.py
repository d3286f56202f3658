"""Text normalisation and word shingles, hashed with a stable (unsalted) hash.

Pure functions; the hashes are stored in the story index, so they must never change
between processes or releases: blake2b of each token, combined with fixed odd constants.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import numpy as np
import numpy.typing as npt

#: Name of the hashing scheme, stored with the index so an incompatible one is refused.
SHINGLE_SCHEME = "blake2b64-tokens-v1"

# Apostrophes inside words are dropped so "army's", "army’s" and "armys" are one token.
_APOSTROPHES = re.compile(r"(?<=\w)['’ʼ`´](?=\w)")
# Scripts written without spaces: every character is a token of its own.
_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff"
)
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
# Multipliers that mix consecutive token hashes into one shingle hash (odd 64-bit constants).
_MIXERS = np.array(
    [0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
     0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
    dtype=np.uint64,
)
MAX_SHINGLE_WORDS = len(_MIXERS)

Hashes = npt.NDArray[np.uint64]


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens with typography folded: quotes, apostrophes, widths, accents kept."""
    text = unicodedata.normalize("NFKC", text).lower()
    return _TOKEN.findall(_APOSTROPHES.sub("", text))


def shingle_hashes(tokens: list[str], words: int) -> Hashes:
    """Hashes of the consecutive `words`-token shingles, in text order (not deduplicated).

    A text shorter than one shingle gives one shingle of all its tokens; no tokens, none.

    Raises:
        ValueError: when `words` is not between 1 and MAX_SHINGLE_WORDS.
    """
    if not 1 <= words <= MAX_SHINGLE_WORDS:
        raise ValueError(f"shingle words must be 1..{MAX_SHINGLE_WORDS}, got {words}")
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    token_hashes = np.fromiter(map(_token_hash, tokens), dtype=np.uint64, count=len(tokens))
    width = min(words, len(token_hashes))
    count = len(token_hashes) - width + 1
    combined = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(width):
            combined = combined * _MIXERS[offset] + token_hashes[offset : offset + count]
            combined ^= combined >> np.uint64(29)
    return combined


@lru_cache(maxsize=1 << 18)
def _token_hash(token: str) -> int:
    # Cached: news vocabulary repeats, and blake2b is the costliest step of shingling.
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")


def shingle_set(hashes: Hashes) -> Hashes:
    """The distinct shingle hashes, sorted (for exact overlap counts)."""
    return np.unique(hashes)


def overlap_count(a: Hashes, b: Hashes) -> int:
    """Number of shingles two sorted shingle sets share."""
    if a.size > b.size:
        a, b = b, a
    if a.size == 0:
        return 0
    # Binary search of the smaller set in the larger: no concatenation and sort.
    at = np.searchsorted(b, a)
    at[at == b.size] = 0
    return int(np.count_nonzero(b[at] == a))

"""Window signatures are datasketch's MinHashes; the band table finds what a dict would."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from pipelines.band_index import COMPACT_RUN_KEYS, BandTable, CompactRun
from pipelines.signatures import WindowSigner


def test_window_signature_is_datasketchs_minhash_of_that_window() -> None:
    hashes = np.random.default_rng(7).integers(0, 2**63, size=130, dtype=np.uint64)
    signer = WindowSigner(num_perm=64, seed=3, window_shingles=50, threshold=0.45)
    signatures = signer.signatures(hashes)
    # Windows start every 25 shingles: [0, 50), [25, 75), ..., [100, 130).
    assert len(signatures) == 5
    for number, start in enumerate(range(0, 101, 25)):
        minhash = MinHash(num_perm=64, seed=3, hashfunc=lambda v: v)
        window = hashes[start : start + 50] & np.uint64(0xFFFFFFFF)
        minhash.update_batch(window.astype(np.uint32).tolist())
        assert np.array_equal(signatures[number], minhash.hashvalues), number


def test_stored_keys_cover_the_opening_every_other_window_and_the_last() -> None:
    signer = WindowSigner(num_perm=64, seed=1, window_shingles=50, threshold=0.45)
    hashes = np.random.default_rng(1).integers(0, 2**63, size=150, dtype=np.uint64)
    keys = signer.keys(hashes)  # windows at 0, 25, 50, 75, 100, 125 -> 6 - 1 = 5 windows
    per_window = keys.query.reshape(-1, signer.bands)
    assert np.array_equal(keys.stored.reshape(-1, signer.bands), per_window[[0, 1, 2, 4]])
    assert signer.keys(np.empty(0, dtype=np.uint64)).query.size == 0


@pytest.mark.parametrize("compact_from", [COMPACT_RUN_KEYS, 1000])  # 1000: every large run compact
def test_band_table_answers_like_a_dict_through_flushes_merges_and_removals(
        compact_from: int) -> None:
    rng = np.random.default_rng(5)
    table, truth = BandTable(compact_from), {}
    shared = rng.integers(0, 2**64 - 1, size=40, dtype=np.uint64)
    # Prefixes at the edges of a compact run's buckets (low 24 prefix bits all 0 or all 1).
    shared[:4] = [0xABCD_FFFF_FF00_0000, 0xABCE_0000_0000_0001, 0xFFFF_FFFF_FF12_3456, 7]
    loaded = {page: np.concatenate([rng.integers(0, 2**64 - 1, size=200, dtype=np.uint64),
                                    shared[page % 40 : page % 40 + 1]]) for page in range(300)}
    table.bulk_load([(np.repeat(np.arange(300, dtype=np.uint32), 201),
                      np.concatenate(list(loaded.values())))])
    truth.update(loaded)
    for page in range(300, 1200):  # enough keys for several runs and merges
        keys = np.concatenate([rng.integers(0, 2**64 - 1, size=200, dtype=np.uint64),
                               shared[page % 40 : page % 40 + 1]])
        table.add(page, keys)
        truth[page] = keys
    for page in range(0, 1200, 7):
        table.remove(page)
        truth.pop(page)
    compact = [run for run in table._runs if isinstance(run, CompactRun)]
    assert bool(compact) == (compact_from == 1000)  # the layout under test is in use

    def expected(keys: np.ndarray) -> set[int]:
        wanted = set((keys >> np.uint64(24)).tolist())
        return {p for p, k in truth.items() if wanted & set((k >> np.uint64(24)).tolist())}

    for probe in (shared[:3], shared[3:6], truth[500][:5], truth[1100][-3:], rng.integers(0, 2**63, size=9, dtype=np.uint64)):
        assert table.pages_sharing(probe) == expected(probe)
    assert table.pages_sharing(shared[3:4]) == {p for p in truth if p % 40 == 3}


def test_a_large_index_loaded_in_chunks_finds_every_page_by_any_of_its_keys() -> None:
    """Chunks of unequal sizes (one empty), each sorted apart, then merged and kept compact."""
    rng = np.random.default_rng(9)
    pages, per_page = 3000, 192
    keys = rng.integers(0, 2**64 - 1, size=pages * per_page, dtype=np.uint64)
    numbers = np.repeat(np.arange(pages, dtype=np.uint32), per_page)
    bounds = [0, 700 * per_page, 700 * per_page, 2900 * per_page, keys.size]
    table = BandTable(compact_from=1 << 16)
    table.bulk_load((numbers[a:b], keys[a:b].copy()) for a, b in zip(bounds, bounds[1:]))
    assert len(table) == keys.size and len(table._runs) == 1
    assert isinstance(table._runs[0], CompactRun)
    assert (np.diff(table._runs[0].packed()) > 0).all()  # one sorted run
    for page in rng.choice(pages, size=50, replace=False).tolist():
        probe = keys[page * per_page + rng.integers(0, per_page, size=2)]
        assert page in table.pages_sharing(probe)
    assert table.pages_sharing(rng.integers(0, 2**64 - 1, size=50, dtype=np.uint64)) == set()

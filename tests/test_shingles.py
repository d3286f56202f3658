from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from pipelines.shingles import overlap_count, shingle_hashes, shingle_set, tokenize
from tests.conftest import ROOT


@pytest.mark.parametrize(("a", "b"), [
    ("the army’s attacks", "the armys attacks"),  # stripped apostrophes
    ("the army's “fierce” attacks", 'The ARMY’S "fierce" attacks'),  # quotes and case
    ("ﬁnal result", "final result"),  # ligature (NFKC)
    ("BEIRUT — the army", "beirut: the army"),  # punctuation
])
def test_typography_is_folded(a: str, b: str) -> None:
    assert tokenize(a) == tokenize(b)


def test_scripts_without_spaces_tokenize_per_character() -> None:
    assert tokenize("东京地震") == ["东", "京", "地", "震"]
    assert tokenize("زلزال قوي") == ["زلزال", "قوي"]


def test_hashes_are_stable_across_processes() -> None:
    code = "from pipelines.shingles import *; print(int(shingle_hashes(['harbor', 'bridge', 'closes'], 3)[0]))"
    other = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": "99"},
                           capture_output=True, text=True, check=True, cwd=ROOT)
    here = int(shingle_hashes(["harbor", "bridge", "closes"], 3)[0])
    assert int(other.stdout) == here
    # Stored in every index: a change of this value needs a new SHINGLE_SCHEME name.
    assert here == 17398228010816650911


def test_short_and_empty_texts() -> None:
    assert shingle_hashes([], 3).size == 0
    assert shingle_hashes(["one"], 3).size == 1
    assert shingle_hashes(["a", "b", "c", "d"], 3).size == 2


def test_overlap_count_on_sets() -> None:
    a = shingle_set(shingle_hashes(tokenize("one two three four five"), 2))
    b = shingle_set(shingle_hashes(tokenize("three four five six"), 2))
    assert overlap_count(a, b) == 2
    assert a.dtype == np.uint64


def test_bad_shingle_size() -> None:
    with pytest.raises(ValueError, match="shingle words"):
        shingle_hashes(["a"], 0)

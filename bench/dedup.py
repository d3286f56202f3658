"""`copydesk dedup` against text-dedup-style plain MinHash LSH (datasketch, same shingles).

    python bench/dedup.py [--web ../shared/bench/synd-dev] [--docs 100000]

1. Quality: both cluster the texts of the web's article pages (labels.json); pairwise F1
   against its story labels.
2. Speed and memory: both run, each in its own process, over --docs documents generated
   from those texts (near-copies with paragraphs dropped, moved and words changed, and new
   documents mixed from other texts' paragraphs); documents/s and peak RSS.

The baseline is what text-dedup's MinHash does: one signature per document (128
permutations), LSH at Jaccard 0.7, every LSH candidate pair joined (union-find), no
verification. Last line JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.corpus import Document, assign_stories  # noqa: E402
from pipelines.shingles import shingle_hashes, tokenize  # noqa: E402


def plain_minhash_lsh(texts: list[str], threshold: float = 0.7, num_perm: int = 128) -> list[int]:
    """Cluster numbers by text-dedup's recipe: MinHash LSH candidates joined by union-find."""
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for number, text in enumerate(texts):
        hashes = shingle_hashes(tokenize(text), 3)
        signature = MinHash(num_perm=num_perm, hashfunc=lambda v: v)
        signature.update_batch((np.unique(hashes) & np.uint64(0xFFFFFFFF)).astype(np.uint32))
        for other in lsh.query(signature):
            parent[find(number)] = find(int(other))
        lsh.insert(str(number), signature)
    return [find(n) for n in range(len(texts))]


def pairwise_f1(truth: list[str], predicted: list[object]) -> float:
    def pairs(labels: list[object]) -> set[tuple[int, int]]:
        groups: dict[object, list[int]] = defaultdict(list)
        for index, label in enumerate(labels):
            groups[label].append(index)
        return {p for members in groups.values() for p in itertools.combinations(members, 2)}

    true_pairs, found = pairs(list(truth)), pairs(predicted)
    correct = len(true_pairs & found)
    precision = correct / len(found) if found else 1.0
    recall = correct / len(true_pairs) if true_pairs else 1.0
    return round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0


def generated(texts: list[str], count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    vocabulary = sorted({w for t in texts[:200] for w in t.split()})
    documents = []
    for _ in range(count):
        paragraphs = rng.choice(texts).split("\n")
        if rng.random() < 0.4:  # a near-copy: paragraphs dropped and moved, words changed
            kept = [p for p in paragraphs if rng.random() > 0.2] or paragraphs[:1]
            if len(kept) > 2 and rng.random() < 0.5:
                kept.append(kept.pop(0))
        else:  # a new document from other texts' paragraphs
            kept = [rng.choice(rng.choice(texts).split("\n")) for _ in range(rng.randint(4, 10))]
        words = " ".join(kept).split()
        for _ in range(len(words) // 12):
            words[rng.randrange(len(words))] = rng.choice(vocabulary)
        documents.append(" ".join(words))
    return documents


def measure(kind: str, corpus: Path) -> None:
    """Child process: run one method over the corpus, print its figures as JSON."""
    texts = json.loads(corpus.read_text())
    start = time.perf_counter()
    if kind == "copydesk":
        assign_stories(Document(str(n), t) for n, t in enumerate(texts))
    else:
        plain_minhash_lsh(texts)
    seconds = time.perf_counter() - start
    print(json.dumps({"docs_per_s": round(len(texts) / seconds, 1), "seconds": round(seconds, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--web", type=Path, default=ROOT.parent / "shared/bench/synd-dev")
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure[0], Path(args.measure[1]))
        return
    labels = json.loads((args.web / "labels.json").read_text())
    articles = sorted((u, p) for u, p in labels["pages"].items() if p["kind"] == "article")
    texts = [p["text"] for _, p in articles]
    truth = [p["story"] for _, p in articles]

    ours = assign_stories(Document(url, p["text"], url, p.get("published")) for url, p in articles)
    result = {"texts": len(texts), "pair_f1": pairwise_f1(truth, [s.story_id for s in ours]),
              "baseline_pair_f1": pairwise_f1(truth, plain_minhash_lsh(texts))}
    print(f"{args.web.name}: {len(texts)} article texts, pairwise F1 copydesk {result['pair_f1']}, "
          f"plain MinHash LSH {result['baseline_pair_f1']}", flush=True)

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(generated(texts, args.docs), file)
    corpus = Path(file.name)
    for kind in ("copydesk", "baseline"):
        output = subprocess.run([sys.executable, __file__, "--measure", kind, str(corpus)],
                                capture_output=True, text=True, check=True).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        prefix = "" if kind == "copydesk" else "baseline_"
        result.update({f"{prefix}{k}": v for k, v in figures.items()})
        print(f"{kind}: {args.docs:,} documents, {figures['docs_per_s']:,} documents/s, "
              f"peak RSS {figures['peak_rss_mb']} MB", flush=True)
    corpus.unlink()
    result["docs"] = args.docs
    print(json.dumps(result))


if __name__ == "__main__":
    main()

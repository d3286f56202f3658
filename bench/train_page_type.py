"""Train page typing's model (pipelines/page_type_model.json) and say how well it holds.

    python bench/train_page_type.py [--shared ../shared/bench] [--out pipelines/page_type_model.json]

Training pages: wcxb-dev (articles and six other page types), scrapinghub (articles) and
synd-dev (articles, listings, site pages), each read by Copydesk's extraction stage with page
typing off; pages it already drops (no or too little main text, text mostly link texts)
are left out. The model is gradient-boosted decision trees (scikit-learn's
GradientBoostingClassifier, depth 3, fixed seed and no subsampling: deterministic), each set
weighing the same in total, written out as plain trees that pipelines/page_type.py walks
without scikit-learn. Validation, on predictions for pages the model was not trained on:
- 5-fold cross-validation grouped by site (no site in both training and test folds);
- leave one set out: trained on the two others, tested on the third (a web nobody tuned on);
- the cross-validation's test pages again, as if their sites named them by number
  ("/story/100123" for every URL): articles must not be kept for their URL slugs alone.
The threshold is the highest one that keeps >= 98 % of articles in every set's cross-validated
predictions. Last line JSON: per set and validation, article_kept and nonarticle_emitted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction import Case, dataset_cases, synd_cases

from pipelines.extraction import ArticleExtractor, ExtractionOptions, Reading
from pipelines.page_type import MODEL_FILE, PageTypeModel, page_features

TREES = 200
DEPTH = 3
LEARNING_RATE = 0.1
MIN_PAGES_IN_LEAF = 20
FOLDS = 5
MIN_ARTICLES_KEPT = 0.98


def read_set(name: str, cases: list[Case], extractor: ArticleExtractor) -> list[dict]:
    rows = []
    for case in cases:
        reading = extractor.read(case.html, case.url)
        if not isinstance(reading, Reading):
            continue
        host = case.url.split("://", 1)[-1].split("/", 1)[0].lower().removeprefix("www.")
        numbered = f"{case.url.split('://', 1)[0]}://{host}/story/{len(rows) + 100000}"
        rows.append({"set": name, "site": host, "type": case.group if not case.is_article
                     else "article", "label": float(case.is_article),
                     "features": page_features(reading.signs),
                     "numbered_url_features": page_features(replace(reading.signs, url=numbered))})
    return rows


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> GradientBoostingClassifier:
    model = GradientBoostingClassifier(
        n_estimators=TREES, max_depth=DEPTH, learning_rate=LEARNING_RATE,
        min_samples_leaf=MIN_PAGES_IN_LEAF, random_state=0)
    return model.fit(x, y, sample_weight=weight)


def predict(model: GradientBoostingClassifier, x: np.ndarray) -> np.ndarray:
    return model.predict_proba(x)[:, 1]


def export(model: GradientBoostingClassifier, x: np.ndarray) -> dict:
    """The trees as PageTypeModel reads them: for each node its split feature and threshold
    (a page goes left when its value is <= the threshold), its children (-1 at a leaf) and its
    value, learning rate included. A leaf's value is what the tree adds to the log-odds; an
    inner node's is the weighted mean of its children's, so the changes along a page's path
    tell which features moved its score (page_type.PageType.evidence). `x`: pages to check
    the export on: it must score them as scikit-learn does."""
    trees = []
    for estimator in model.estimators_[:, 0]:
        tree = estimator.tree_
        value = tree.value[:, 0, 0] * model.learning_rate
        weight = tree.weighted_n_node_samples
        for node in reversed(range(tree.node_count)):  # children come after their parent
            left, right = tree.children_left[node], tree.children_right[node]
            if left >= 0:
                value[node] = (weight[left] * value[left] + weight[right] * value[right]) / weight[node]
        trees.append({"feature": [int(f) if f >= 0 else -1 for f in tree.feature],
                      "threshold": [round(float(t), 9) for t in tree.threshold],
                      "left": tree.children_left.tolist(), "right": tree.children_right.tolist(),
                      "value": [round(float(v), 9) for v in value]})
    leaf_sums = sum(model.learning_rate * e.predict(x[:1]) for e in model.estimators_[:, 0])
    bias = float(model.decision_function(x[:1])[0] - leaf_sums[0])
    exported = {"bias": round(bias, 9), "trees": trees}
    check = PageTypeModel({"features": [str(i) for i in range(x.shape[1])], "threshold": 0.5,
                           **exported})
    ours = np.array([check.log_odds(dict(zip(check.features, row)))[0] for row in x.tolist()])
    if np.abs(ours - model.decision_function(x)).max() > 1e-6:
        raise RuntimeError("the exported trees do not score pages as the trained model does")
    return exported


def model_json(model: dict) -> str:
    """The model as JSON, one tree a line: its figures stay readable."""
    trees = ",\n".join(json.dumps(tree, separators=(",", ":")) for tree in model["trees"])
    rest = json.dumps({k: v for k, v in model.items() if k != "trees"}, indent=1)
    return rest[:-2] + ',\n "trees": [\n' + trees + "\n ]\n}\n"


def set_weights(rows: list[dict]) -> np.ndarray:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["set"]] = counts.get(row["set"], 0) + 1
    return np.array([len(rows) / (len(counts) * counts[row["set"]]) for row in rows])


def fold_of(site: str) -> int:
    return int(hashlib.sha256(site.encode()).hexdigest(), 16) % FOLDS


def rates(rows: list[dict], scores: np.ndarray, threshold: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for subset in sorted({row["set"] for row in rows}):
        articles = [s >= threshold for row, s in zip(rows, scores) if row["set"] == subset and row["label"]]
        others = [s >= threshold for row, s in zip(rows, scores) if row["set"] == subset and not row["label"]]
        if articles:
            out[f"{subset}_article_kept"] = round(float(np.mean(articles)), 4)
        if others:
            out[f"{subset}_nonarticle_emitted"] = round(float(np.mean(others)), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared/bench"))
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args()
    extractor = ArticleExtractor(ExtractionOptions(page_typing=False))
    rows = (read_set("wcxb-dev", list(dataset_cases(args.shared / "extraction/wcxb-dev")), extractor)
            + read_set("scrapinghub", list(dataset_cases(args.shared / "extraction/scrapinghub")), extractor)
            + read_set("synd-dev", list(synd_cases(args.shared / "synd-dev")), extractor))
    names = list(rows[0]["features"])
    x = np.array([[row["features"][n] for n in names] for row in rows])
    y = np.array([row["label"] for row in rows])
    weight = set_weights(rows)

    # The same pages as if their site named them by number ("/story/100123"): what the model
    # learned of URL slugs must not be what keeps articles.
    numbered = np.array([[row["numbered_url_features"][n] for n in names] for row in rows])
    cross, cross_numbered = np.zeros(len(rows)), np.zeros(len(rows))
    folds = np.array([fold_of(row["site"]) for row in rows])
    for fold in range(FOLDS):
        test = folds == fold
        model = fit(x[~test], y[~test], weight[~test])
        cross[test], cross_numbered[test] = predict(model, x[test]), predict(model, numbered[test])
    sets = sorted({row["set"] for row in rows})
    held_out = np.zeros(len(rows))
    for subset in sets:
        test = np.array([row["set"] == subset for row in rows])
        train_rows = [row for row, t in zip(rows, test) if not t]
        held_out[test] = predict(fit(x[~test], y[~test], set_weights(train_rows)), x[test])

    candidates = np.linspace(0.02, 0.9, 89)
    threshold = max(
        (t for t in candidates
         if all(v >= MIN_ARTICLES_KEPT for k, v in rates(rows, cross, t).items() if k.endswith("kept"))),
        default=float(candidates[0]))
    final = fit(x, y, weight)
    figures = {
        "threshold": round(float(threshold), 3),
        "cross_validated": rates(rows, cross, threshold),
        "cross_validated_numbered_urls": rates(rows, cross_numbered, threshold),
        "one_set_held_out": rates(rows, held_out, threshold),
        "trained": rates(rows, predict(final, x), threshold),
        "pages": {s: sum(row["set"] == s for row in rows) for s in sets},
    }
    by_type: dict[str, list[bool]] = {}
    for row, s in zip(rows, cross):
        if not row["label"]:
            by_type.setdefault(f'{row["set"]}/{row["type"]}', []).append(bool(s >= threshold))
    figures["cross_validated_by_type"] = {k: round(float(np.mean(v)), 3) for k, v in sorted(by_type.items())}
    model = {
        "features": names, "threshold": figures["threshold"], **export(final, x),
        "validation": figures, "trained_by": "python bench/train_page_type.py",
    }
    args.out.write_text(model_json(model))
    for name, importance in sorted(zip(names, final.feature_importances_), key=lambda p: -p[1]):
        print(f"{name:22} {importance:.3f}")
    for key, value in figures.items():
        print(key, value)
    print(json.dumps({"threshold": figures["threshold"], **{f"cv_{k}": v for k, v in figures["cross_validated"].items()},
                      **{f"held_out_{k}": v for k, v in figures["one_set_held_out"].items()},
                      **{f"cv_numbered_urls_{k}": v
                         for k, v in figures["cross_validated_numbered_urls"].items()}}))


if __name__ == "__main__":
    main()

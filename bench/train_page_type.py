"""Train page typing's model (pipelines/page_type_model.json) and say how well it holds.

    python bench/train_page_type.py [--shared ../shared/bench] [--out pipelines/page_type_model.json]

Training pages: wcxb-dev (articles and six other page types), scrapinghub (articles) and
synd-dev (articles, listings, site pages), each read by Copydesk's extraction stage with page
typing off; pages it already drops (no or too little main text, text mostly link texts)
are left out. The model is a
logistic regression on standardized features (L2, Newton's method: deterministic), each set
weighing the same in total. Validation, on predictions for pages the model was not trained on:
- 5-fold cross-validation grouped by site (no site in both training and test folds);
- leave one set out: trained on the two others, tested on the third (a web nobody tuned on).
The threshold is the highest one that keeps >= 98 % of articles in every set's cross-validated
predictions. Last line JSON: per set and validation, article_kept and nonarticle_emitted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from extraction import Case, dataset_cases, synd_cases

from pipelines.extraction import ArticleExtractor, ExtractionOptions, Reading
from pipelines.page_type import MODEL_FILE, page_features

L2 = 1.0
FOLDS = 5
MIN_ARTICLES_KEPT = 0.98


def read_set(name: str, cases: list[Case], extractor: ArticleExtractor) -> list[dict]:
    rows = []
    for case in cases:
        reading = extractor.read(case.html, case.url)
        if not isinstance(reading, Reading):
            continue
        host = case.url.split("://", 1)[-1].split("/", 1)[0].lower().removeprefix("www.")
        rows.append({"set": name, "site": host, "type": case.group if not case.is_article
                     else "article", "label": float(case.is_article),
                     "features": page_features(reading.signs)})
    return rows


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], L2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(z @ beta, -30, 30)))
        gradient = z.T @ (weight * (p - y)) + penalty * beta
        hessian = (z * (weight * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1]), mean, scale


def predict(model: tuple, x: np.ndarray) -> np.ndarray:
    weights, bias, mean, scale = model
    return 1 / (1 + np.exp(-np.clip(((x - mean) / scale) @ weights + bias, -30, 30)))


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

    cross = np.zeros(len(rows))
    folds = np.array([fold_of(row["site"]) for row in rows])
    for fold in range(FOLDS):
        test = folds == fold
        cross[test] = predict(fit(x[~test], y[~test], weight[~test]), x[test])
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
    weights, bias, mean, scale = fit(x, y, weight)
    figures = {
        "threshold": round(float(threshold), 3),
        "cross_validated": rates(rows, cross, threshold),
        "one_set_held_out": rates(rows, held_out, threshold),
        "trained": rates(rows, predict((weights, bias, mean, scale), x), threshold),
        "pages": {s: sum(row["set"] == s for row in rows) for s in sets},
    }
    by_type: dict[str, list[bool]] = {}
    for row, s in zip(rows, cross):
        if not row["label"]:
            by_type.setdefault(f'{row["set"]}/{row["type"]}', []).append(bool(s >= threshold))
    figures["cross_validated_by_type"] = {k: round(float(np.mean(v)), 3) for k, v in sorted(by_type.items())}
    model = {
        "features": names, "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(),
        "weights": weights.round(6).tolist(), "bias": round(bias, 6),
        "threshold": figures["threshold"], "validation": figures,
        "trained_by": "python bench/train_page_type.py",
    }
    args.out.write_text(json.dumps(model, indent=1) + "\n")
    for name, weight_value in sorted(zip(names, weights), key=lambda p: -abs(p[1])):
        print(f"{name:22} {weight_value:+.3f}")
    for key, value in figures.items():
        print(key, value)
    print(json.dumps({"threshold": figures["threshold"], **{f"cv_{k}": v for k, v in figures["cross_validated"].items()},
                      **{f"held_out_{k}": v for k, v in figures["one_set_held_out"].items()}}))


if __name__ == "__main__":
    main()

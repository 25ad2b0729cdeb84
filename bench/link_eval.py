"""Evaluate the matcher on the labelled set: precision, recall and F1 of auto links, and the
size of the review queue.

    python -m bench.link_eval            # score the test split (and train, for comparison)
    python -m bench.link_eval --fit      # refit weights + thresholds on train, rewrite
                                         # search/matching/weights.py, then evaluate
    python -m bench.link_eval --by-category   # precision and recall per variant, test split

Both labelled sets are read by default: the first (``make_linking_eval``) and the second,
written apart from it (``make_holdout_eval``: other name sources, the categories that failed
on unseen data); each is split by company, and fitting reads the train splits only.
Features that are evidence against a link (conflicts, mismatches) are fitted with their
sign fixed: a weight that comes out positive is set to zero and the rest refitted.

The weights are a logistic regression (L2-regularised, fitted by Newton's method: 16 features and
a few hundred pairs do not need numpy or scikit-learn). The auto threshold is the lowest score
at which the training split's auto links stay at least 99.5 % precise; the candidate threshold
sends to review everything that could plausibly be the same party.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from search.identifiers import canonical_scheme, normalize_identifier
from search.matching import model
from search.matching.features import FEATURES, Party, compare

DATA = Path(__file__).parent / "data" / "linking_eval.jsonl"
HOLDOUT = Path(__file__).parent / "data" / "linking_holdout.jsonl"
# Evidence against a link: a fitted weight may not reward it.
NON_POSITIVE = frozenset({"legal_form_conflict", "country_conflict", "identifier_conflict",
                          "birth_date_conflict", "number_mismatch", "token_unmatched"})
WEIGHTS_FILE = Path(__file__).parent.parent / "search" / "matching" / "weights.py"


def to_party(d: dict[str, Any]) -> Party:
    return Party(
        kind=d["kind"],
        names=(d["name"], *d.get("names", [])),
        country=d.get("country"),
        identifiers=tuple((canonical_scheme(i["scheme"]),
                           normalize_identifier(i["scheme"], i["id"]))
                          for i in d.get("identifiers", [])),
        addresses=tuple(d.get("addresses", [])),
        birth_date=d.get("birth_date"),
    )


def load(paths: list[Path] | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths or [DATA, HOLDOUT]:
        with path.open(encoding="utf-8") as fh:
            rows += [json.loads(line) | {"set": path.stem} for line in fh if line.strip()]
    return rows


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (a is small and well conditioned by L2)."""
    n = len(b)
    m = [[*row, rhs] for row, rhs in zip(a, b, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col and m[col][col]:
                f = m[r][col] / m[col][col]
                for c in range(col, n + 1):
                    m[r][c] -= f * m[col][c]
    return [m[i][n] / m[i][i] for i in range(n)]


def fit(rows: list[tuple[list[float], int]], *, l2: float = 0.1,
        iterations: int = 30) -> tuple[float, list[float]]:
    """``_fit`` with the signs of ``NON_POSITIVE`` features enforced (active set)."""
    fixed: set[int] = set()
    while True:
        masked = [([0.0 if i in fixed else v for i, v in enumerate(x)], y) for x, y in rows]
        intercept, weights = _fit(masked, l2=l2, iterations=iterations)
        wrong = {i for i, name in enumerate(FEATURES)
                 if name in NON_POSITIVE and weights[i] > 0 and i not in fixed}
        if not wrong:
            return intercept, [0.0 if i in fixed else w for i, w in enumerate(weights)]
        fixed |= wrong


def _fit(rows: list[tuple[list[float], int]], *, l2: float,
         iterations: int) -> tuple[float, list[float]]:
    """L2-regularised logistic regression by Newton's method (IRLS); the intercept is not
    penalised. Returns (intercept, weights)."""
    n = len(FEATURES) + 1
    beta = [0.0] * n
    xs = [[1.0, *x] for x, _ in rows]
    ys = [y for _, y in rows]
    for _ in range(iterations):
        grad = [l2 * beta[i] if i else 0.0 for i in range(n)]
        hess = [[(l2 if i == j and i else 0.0) for j in range(n)] for i in range(n)]
        for x, y in zip(xs, ys, strict=True):
            z = sum(bi * xi for bi, xi in zip(beta, x, strict=True))
            p = 1 / (1 + math.exp(-max(min(z, 60), -60)))
            w = max(p * (1 - p), 1e-9)
            for i in range(n):
                if x[i]:
                    grad[i] += (p - y) * x[i]
                    for j in range(n):
                        if x[j]:
                            hess[i][j] += w * x[i] * x[j]
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return beta[0], beta[1:]


def choose_thresholds(scored: list[tuple[float, int]]) -> tuple[float, float]:
    """Auto: lowest threshold with precision >= 0.995 on train; candidate: low enough to
    catch 99 % of the true pairs the auto threshold misses, but never below 0.2."""
    auto = 0.99
    for t in sorted({round(s, 3) for s, _ in scored}):
        if t < 0.5:
            continue
        picked = [y for s, y in scored if s >= t]
        if picked and sum(picked) / len(picked) >= 0.995:
            auto = t
            break
    missed = sorted(s for s, y in scored if y == 1 and s < auto)
    candidate = missed[int(len(missed) * 0.01)] if missed else 0.5
    return max(0.8, auto), max(0.2, min(candidate, 0.5))


def write_weights(intercept: float, weights: list[float], auto: float, candidate: float) -> None:
    lines = ['"""Fitted by ``python -m bench.link_eval --fit`` on the training split; do not '
             'edit by hand."""', "", f"INTERCEPT = {intercept:.4f}", "WEIGHTS = {"]
    lines += [f'    "{name}": {w:.4f},' for name, w in zip(FEATURES, weights, strict=True)]
    lines += ["}", f"AUTO_THRESHOLD = {auto:.3f}", f"CANDIDATE_THRESHOLD = {candidate:.3f}", ""]
    WEIGHTS_FILE.write_text("\n".join(lines))


def evaluate(pairs: list[dict[str, Any]], split: str,
             by_category: dict[str, Counter[str]] | None = None) -> dict[str, Any]:
    tp = fp = fn = queue = queue_pos = 0
    missed: Counter[str] = Counter()
    wrong: Counter[str] = Counter()
    for pair in pairs:
        if pair["split"] != split:
            continue
        left, right = to_party(pair["left"]), to_party(pair["right"])
        result = model.match(left, right)
        auto = result.status == "auto"
        if result.status == "candidate":
            queue += 1
            queue_pos += pair["label"]
        if by_category is not None:
            c = by_category.setdefault(pair["variant"], Counter())
            c["pairs"] += 1
            c["positives"] += pair["label"]
            c["auto_true" if auto and pair["label"] else
              "auto_false" if auto else "review" if result.status else "none"] += 1
        if auto and pair["label"]:
            tp += 1
        elif auto:
            fp += 1
            wrong[pair["variant"]] += 1
        elif pair["label"]:
            fn += 1
            missed[pair["variant"]] += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"split": split, "pairs": sum(p["split"] == split for p in pairs),
            "positives": tp + fn, "precision": precision, "recall": recall, "f1": f1,
            "review_queue": queue, "review_queue_true": queue_pos,
            "false_auto": dict(wrong), "not_auto": dict(missed)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fit", action="store_true", help="refit weights on the train split")
    parser.add_argument("--data", type=Path, action="append",
                        help="labelled set(s) (JSON Lines); default: both sets")
    parser.add_argument("--by-category", action="store_true",
                        help="precision and recall of auto links per variant (test split)")
    args = parser.parse_args(argv)
    pairs = load(args.data)
    if args.fit:
        rows = []
        for pair in pairs:
            if pair["split"] == "train":
                feats = compare(to_party(pair["left"]), to_party(pair["right"]))
                rows.append(([feats.values[f] for f in FEATURES], int(pair["label"])))
        intercept, weights = fit(rows)
        scored = []
        for x, y in rows:
            z = intercept + sum(w * v for w, v in zip(weights, x, strict=True))
            scored.append((1 / (1 + math.exp(-max(min(z, 60), -60))), y))
        auto, candidate = choose_thresholds(scored)
        write_weights(intercept, weights, auto, candidate)
        print(f"fitted on {len(rows)} training pairs; auto >= {auto:.3f}, "
              f"candidate >= {candidate:.3f}; wrote {WEIGHTS_FILE}")
        print("re-run without --fit to evaluate with the new constants")
        return
    print(f"matcher {model.MATCHER_VERSION}; auto >= {model.AUTO_THRESHOLD}, "
          f"candidate >= {model.CANDIDATE_THRESHOLD}")
    for name in sorted({p["set"] for p in pairs}):
        print(f"== {name}")
        report(args, [p for p in pairs if p["set"] == name])


def report(args: argparse.Namespace, pairs: list[dict[str, Any]]) -> None:
    for split in ("train", "test"):
        categories: dict[str, Counter[str]] = {}
        r = evaluate(pairs, split, categories)
        print(f"{split:5}: {r['pairs']} pairs, {r['positives']} same-party; auto links "
              f"precision {r['precision']:.3f} recall {r['recall']:.3f} F1 {r['f1']:.3f}; "
              f"review queue {r['review_queue']} ({r['review_queue_true']} of them true)")
        if r["false_auto"]:
            print(f"       wrong auto links by variant: {r['false_auto']}")
        if r["not_auto"]:
            print(f"       same party but not auto, by variant: {r['not_auto']}")
        if args.by_category and split == "test":
            print(f"       {'variant':18} pairs  same  auto-right  auto-wrong  review  "
                  "recall  precision")
            for variant, c in sorted(categories.items()):
                auto = c["auto_true"] + c["auto_false"]
                recall = c["auto_true"] / c["positives"] if c["positives"] else float("nan")
                precision = c["auto_true"] / auto if auto else float("nan")
                print(f"       {variant:18} {c['pairs']:5} {c['positives']:5} "
                      f"{c['auto_true']:11} {c['auto_false']:11} {c['review']:7} "
                      f"{recall:7.3f} {precision:10.3f}")


if __name__ == "__main__":
    main()

"""Fitting the matcher's weights and thresholds on the labelled sets' train splits; the
result is written to ``weights.py`` as constants (``python -m bench.link_eval --fit``).

The weights are a logistic regression (L2-regularised, fitted by Newton's method: 16
features and a few thousand pairs do not need numpy or scikit-learn). Features that are
evidence against a link (conflicts, mismatches) are fitted with their sign fixed: a weight
that comes out positive is set to zero and the rest refitted. The auto threshold is the
lowest score at which the training split's auto links stay at least 99.5 % precise; the
candidate threshold sends to review everything that could plausibly be the same party.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.matching.features import FEATURES, compare
from search.matching.labelled import to_party

# Evidence against a link: a fitted weight may not reward it.
NON_POSITIVE = frozenset({"legal_form_conflict", "country_conflict", "identifier_conflict",
                          "birth_date_conflict", "number_mismatch", "token_unmatched"})
WEIGHTS_FILE = Path(__file__).parent / "weights.py"


@dataclass(frozen=True, slots=True)
class Fitted:
    pairs: int  # training pairs fitted on
    intercept: float
    weights: list[float]  # in the order of FEATURES
    auto: float
    candidate: float


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


def fit_pairs(pairs: list[dict[str, Any]]) -> Fitted:
    """Weights and thresholds fitted on the train split of labelled ``pairs``."""
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
    return Fitted(len(rows), intercept, weights, auto, candidate)


def write_weights(fitted: Fitted, path: Path = WEIGHTS_FILE) -> None:
    lines = ['"""Fitted by ``python -m bench.link_eval --fit`` on the training split; do not '
             'edit by hand."""', "", f"INTERCEPT = {fitted.intercept:.4f}", "WEIGHTS = {"]
    lines += [f'    "{name}": {w:.4f},' for name, w in zip(FEATURES, fitted.weights,
                                                          strict=True)]
    lines += ["}", f"AUTO_THRESHOLD = {fitted.auto:.3f}",
              f"CANDIDATE_THRESHOLD = {fitted.candidate:.3f}", ""]
    path.write_text("\n".join(lines))

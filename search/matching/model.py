"""One calibrated score from the features, with each feature's contribution as evidence.

A logistic regression: ``score = 1 / (1 + exp(-(intercept + sum(weight * value))))``. The
weights are fitted offline on the training splits of the labelled sets in ``labelled/``
(``fit.py``; ``python -m bench.link_eval --fit`` rewrites ``weights.py``) and committed as
constants, so a score is reproducible and each feature's share of it can be shown. Two rules
sit on top:

* equal identifiers in one scheme decide (score 1, method ``identifier``);
* a person is never linked automatically on a name alone: without an identifier or an
  agreeing date of birth, a person pair is at most a ``candidate`` for review. A wrong link
  names an innocent person; namesakes are common;
* two identifiers of one scheme that differ by a typo, one of them failing its check digits,
  confirm nothing and refute nothing: at most a ``candidate``;
* two legal forms of different classes (``X S.L.`` and ``X S.A.``, ``X GmbH`` and
  ``X GmbH & Co. KG``) are different legal persons: at most a ``candidate``, whatever the
  names' similarity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .features import FEATURES, PairFeatures, Party, compare
from .weights import AUTO_THRESHOLD, CANDIDATE_THRESHOLD, INTERCEPT, WEIGHTS

__all__ = ["AUTO_THRESHOLD", "CANDIDATE_THRESHOLD", "MATCHER_VERSION", "MatchResult", "decide",
           "match"]

MATCHER_VERSION = "lr-2"  # lr-2: legal forms and identifiers per scheme, sign-fixed conflicts


@dataclass(slots=True)
class MatchResult:
    score: float
    status: str | None  # auto | candidate | None (no link)
    method: str  # identifier | name
    features: dict[str, float]
    contributions: dict[str, float]
    rules: list[str] = field(default_factory=list)
    identifier: dict[str, str] | None = None
    names: tuple[str, str] = ("", "")

    def evidence(self) -> dict[str, Any]:
        """What a link stores: every feature with its weight and contribution."""
        return {
            "matcher_version": MATCHER_VERSION,
            "method": self.method,
            "score": round(self.score, 4),
            "intercept": INTERCEPT,
            "features": {
                name: {"value": round(self.features[name], 4), "weight": WEIGHTS[name],
                       "contribution": round(self.contributions[name], 4)}
                for name in FEATURES if self.features[name] != 0.0
            },
            "identifier": self.identifier,
            "names": {"left": self.names[0], "right": self.names[1]},
            "rules": self.rules,
        }


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x > -60 else 0.0


def linear(values: dict[str, float]) -> float:
    return INTERCEPT + sum(WEIGHTS[name] * values[name] for name in FEATURES)


def decide(pair: PairFeatures, left_kind: str, right_kind: str) -> MatchResult:
    contributions = {name: WEIGHTS[name] * pair.values[name] for name in FEATURES}
    score = _sigmoid(linear(pair.values))
    rules: list[str] = []
    method = "name"
    identifier = None
    if left_kind != right_kind:
        return MatchResult(0.0, None, method, pair.values, contributions,
                           ["different kinds are never the same party"],
                           names=(pair.left_name, pair.right_name))
    if pair.identifier_equal is not None:
        scheme, lv, rv = pair.identifier_equal
        identifier = {"scheme": scheme, "left": lv, "right": rv, "agreement": "equal"}
        rules.append("equal identifiers in one scheme decide")
        return MatchResult(1.0, "auto", "identifier", pair.values, contributions, rules,
                           identifier, (pair.left_name, pair.right_name))
    if pair.identifier_conflicts:
        scheme, lv, rv = pair.identifier_conflicts[0]
        identifier = {"scheme": scheme, "left": lv, "right": rv, "agreement": "conflict"}
    status: str | None = None
    if score >= AUTO_THRESHOLD:
        status = "auto"
    elif score >= CANDIDATE_THRESHOLD:
        status = "candidate"
    if status == "auto" and left_kind == "person" and pair.values["birth_date_agree"] < 1:
        status = "candidate"
        rules.append("a person is not linked automatically without an identifier or an "
                     "agreeing date of birth")
    if status == "auto" and pair.identifier_mistyped is not None:
        status = "candidate"
        scheme, lv, rv = pair.identifier_mistyped
        identifier = {"scheme": scheme, "left": lv, "right": rv, "agreement": "mistyped"}
        rules.append("identifiers of one scheme differ by a typo: a registrar decides")
    if status == "auto" and pair.values["legal_form_conflict"] > 0:
        status = "candidate"
        rules.append("two distinct legal forms are different legal persons")
    return MatchResult(score, status, method, pair.values, contributions, rules, identifier,
                       (pair.left_name, pair.right_name))


def match(left: Party, right: Party) -> MatchResult:
    return decide(compare(left, right), left.kind, right.kind)

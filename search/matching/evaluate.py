"""The matcher measured on a labelled set: precision, recall and F1 of auto links, the size
of the review queue, and what went wrong by variant (``python -m bench.link_eval`` prints
it; a test holds the figures)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from search.matching import model
from search.matching.labelled import to_party


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

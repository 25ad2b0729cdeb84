"""Evaluate the matcher on the labelled set: precision, recall and F1 of auto links, and the
size of the review queue.

    python -m bench.link_eval            # score the test split (and train, for comparison)
    python -m bench.link_eval --fit      # refit weights + thresholds on train, rewrite
                                         # search/matching/weights.py, then evaluate
    python -m bench.link_eval --by-category   # precision and recall per variant, test split

Both labelled sets are read by default (search/matching/labelled/: the first,
``make_linking_eval``, and the second, written apart from it, ``make_holdout_eval``); each
is split by company, and fitting (search/matching/fit.py) reads the train splits only. This
module only reports: the sets, the fitting and the measures live with the matcher.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from search.matching import model
from search.matching.evaluate import evaluate
from search.matching.fit import WEIGHTS_FILE, fit_pairs, write_weights
from search.matching.labelled import load


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
        fitted = fit_pairs(pairs)
        write_weights(fitted)
        print(f"fitted on {fitted.pairs} training pairs; auto >= {fitted.auto:.3f}, "
              f"candidate >= {fitted.candidate:.3f}; wrote {WEIGHTS_FILE}")
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

"""The labelled sets the matcher's weights are fitted on and measured with (JSON Lines, one
pair a line: ``left``, ``right``, ``label``, ``variant``, ``split``, ``group``).

Two sets: ``linking_eval.jsonl`` (``make_linking_eval``: hand-written seeds and the
variations real sources show) and ``linking_holdout.jsonl``, written apart from it
(``make_holdout_eval``: other name sources, the categories that failed on unseen data).
Each is split by company into ``train`` and ``test``; fitting (search/matching/fit.py)
reads the train splits only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from search.identifiers import canonical_scheme, normalize_identifier
from search.matching.features import Party

HERE = Path(__file__).parent
EVAL = HERE / "linking_eval.jsonl"
HOLDOUT = HERE / "linking_holdout.jsonl"


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
    """The pairs of ``paths`` (default: both sets), each with ``set``: its file's stem."""
    rows: list[dict[str, Any]] = []
    for path in paths or [EVAL, HOLDOUT]:
        with path.open(encoding="utf-8") as fh:
            rows += [json.loads(line) | {"set": path.stem} for line in fh if line.strip()]
    return rows

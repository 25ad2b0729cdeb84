"""``registry diff OLD NEW``: what was added, removed or changed between two snapshots, per
table, as JSON Lines.

Works on the snapshots' CSV tables and their ``datapackage.json``. Every table is written in
the order of its key (ids, or the parent's id for child rows), so the two files are merged
side by side in one pass, in constant memory: a row keyed by ``id`` is ``added``,
``removed`` or ``changed`` (with the fields that changed); child rows without an id of
their own (names, identifiers, interests...) are compared as the set of rows of one parent,
each difference an ``added`` or ``removed`` row. A table whose file has the same SHA-256 in
both snapshots is skipped unread.

Output lines: ``{"table", "change", "key", "row"[, "changes"]}``.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from .manifest import sha256_file
from .publish import DATAPACKAGE

csv.field_size_limit(sys.maxsize)

Row = dict[str, str]


def _resources(snapshot: Path) -> dict[str, dict[str, Any]]:
    package = json.loads((snapshot / DATAPACKAGE).read_text())
    return {r["name"]: r for r in package["resources"]}


def _rows(path: Path) -> Iterator[Row]:
    with path.open(newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _int_key(value: str) -> tuple[int, int | str]:
    # Ids sort as numbers in the dump; anything else (never expected) sorts after them.
    try:
        return (0, int(value))
    except ValueError:
        return (1, value)


def _groups(path: Path, column: str) -> Iterator[tuple[tuple[int, int | str], list[Row]]]:
    for key, rows in groupby(_rows(path), key=lambda r: _int_key(r.get(column, ""))):
        yield key, list(rows)


def _merge(old: Path, new: Path, column: str
           ) -> Iterator[tuple[str, list[Row], list[Row]]]:
    """(key value, old rows, new rows) for each key in either file, in key order."""
    a, b = _groups(old, column), _groups(new, column)
    x, y = next(a, None), next(b, None)
    while x is not None or y is not None:
        if y is None or (x is not None and x[0] < y[0]):
            assert x is not None
            yield str(x[0][1]), x[1], []
            x = next(a, None)
        elif x is None or y[0] < x[0]:
            yield str(y[0][1]), [], y[1]
            y = next(b, None)
        else:
            yield str(x[0][1]), x[1], y[1]
            x, y = next(a, None), next(b, None)


def diff_table(table: str, old: Path | None, new: Path | None, key: list[str],
               group: str, ordered: bool = True) -> Iterator[dict[str, Any]]:
    """``ordered``: the file is sorted by ``group`` as a number (else it is read whole)."""
    if old is None or new is None:  # a table only one snapshot has
        for change, path in (("removed", old), ("added", new)):
            if path is not None:
                for row in _rows(path):
                    yield {"table": table, "change": change,
                           "key": {c: row.get(c) for c in key or [group]}, "row": row}
        return
    if not ordered:  # not ordered by a number (datasets, by name): small, read whole
        key = key or [group]
        before = {tuple(r[c] for c in key): r for r in _rows(old)}
        after = {tuple(r[c] for c in key): r for r in _rows(new)}
        for k in sorted(before.keys() | after.keys()):
            yield from _compare(table, dict(zip(key, k, strict=True)), before.get(k),
                                after.get(k))
        return
    for value, rows_old, rows_new in _merge(old, new, group):
        if key:  # one row per id
            yield from _compare(table, {group: value}, rows_old[0] if rows_old else None,
                                rows_new[0] if rows_new else None)
            continue
        left = Counter(json.dumps(r, sort_keys=True) for r in rows_old)
        right = Counter(json.dumps(r, sort_keys=True) for r in rows_new)
        for change, rows in (("removed", left - right), ("added", right - left)):
            for text, n in sorted(rows.items()):
                for _ in range(n):
                    yield {"table": table, "change": change, "key": {group: value},
                           "row": json.loads(text)}


def _compare(table: str, key: dict[str, str], old: Row | None, new: Row | None
             ) -> Iterator[dict[str, Any]]:
    if old is None and new is not None:
        yield {"table": table, "change": "added", "key": key, "row": new}
    elif new is None and old is not None:
        yield {"table": table, "change": "removed", "key": key, "row": old}
    elif old is not None and new is not None and old != new:
        changes = {c: [old.get(c), new.get(c)] for c in sorted(old.keys() | new.keys())
                   if old.get(c) != new.get(c)}
        yield {"table": table, "change": "changed", "key": key, "row": new, "changes": changes}


def diff_snapshots(old: Path, new: Path, out: IO[str]) -> Counter[str]:
    """Write the differences as JSON Lines to ``out``; returns counts per table and change."""
    counts: Counter[str] = Counter()
    before, after = _resources(old), _resources(new)
    for table in list(dict.fromkeys([*after, *before])):
        resource = after.get(table) or before[table]
        fields = [f["name"] for f in resource["schema"]["fields"]]
        key = list(resource["schema"].get("primaryKey", []))
        group = key[0] if key else fields[0]
        types = {f["name"]: f.get("type") for f in resource["schema"]["fields"]}
        ordered = types.get(group) == "integer" and len(key) <= 1
        old_path = old / before[table]["path"] if table in before else None
        new_path = new / after[table]["path"] if table in after else None
        if old_path and new_path and sha256_file(old_path) == sha256_file(new_path):
            continue
        for item in diff_table(table, old_path, new_path, key, group, ordered):
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
            counts[f"{table} {item['change']}"] += 1
    return counts

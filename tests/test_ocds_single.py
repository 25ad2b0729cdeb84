"""The single-release shortcut gives exactly what ocdsmerge gives, or steps aside."""

from __future__ import annotations

import copy
import json
import random
import warnings
from pathlib import Path
from typing import Any

import pytest

from importers.ocds.compile import Stored, compile_all, merger
from importers.ocds.releases import releases_of
from importers.ocds.single import compile_single
from synthetic.ocds_releases import generate

ROOT = Path(__file__).parent.parent
FILES = [*sorted((ROOT / "tests" / "data" / "ocds").glob("*.json")),
         ROOT / "registry" / "demo" / "demo-ocds.json"]


def ocdsmerge(release: dict[str, Any]) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled: dict[str, Any] = merger().create_compiled_release([copy.deepcopy(release)])
    return compiled


def fixture_releases() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in FILES:
        data = json.loads(path.read_text())
        for value in data.get("releases") or data.get("records") or []:
            out.extend(r for _, r in releases_of(value))
        for record in data.get("records") or []:
            if isinstance(record.get("compiledRelease"), dict):
                out.append(record["compiledRelease"])
    return out


BASE = {"ocid": "ocds-x-1", "id": "r1", "date": "2024-01-01T00:00:00Z", "tag": ["tender"]}
EDGE_CASES: list[dict[str, Any]] = [
    {**BASE, "tender": None, "buyer": {}, "awards": []},
    {**BASE, "tender": {"title": None, "value": {"amount": None}}},  # becomes {"value": {}}
    {**BASE, "tender": {"items": [{}, {"id": "1"}, {"quantity": None}, {"id": 2, "x": {}}]}},
    {**BASE, "tender": {"submissionMethod": [], "additionalProcurementCategories": ["a"]}},
    {**BASE, "parties": [{"id": "p", "roles": [], "additionalIdentifiers": [{"id": "i"}]}]},
    {**BASE, "parties": [{"name": "no id"}, {"name": "no id either", "details": {"a": [1]}}]},
    {**BASE, "awards": [{"id": "a", "items": [{"id": "i", "unit": {"value": {"amount": 1}}}],
                         "documents": [{"id": "d", "title": ""}]}]},
    {**BASE, "planning": {"milestones": [{"id": "m", "x": [{"y": None}]}], "mixed": [{"a": 1}, 2]}},
    {**BASE, "tag": None, "extra": {"nested": {"deep": [None, "s"]}}, "n": 0, "f": False},
    {"ocid": "ocds-x-2", "id": "r", "date": "2024-01-01"},
    {**BASE, "id": 7, "relatedProcesses": [{"id": "rp", "relationship": ["parent"]}]},
    {**BASE, "contracts": [{"id": "", "status": "active"}, {"id": "0", "period": {}}]},
]
UNSUPPORTED: list[dict[str, Any]] = [
    {**BASE, "awards": [{"id": "a", "title": "one"}, {"id": "a", "status": "two"}]},
    {**BASE, "awards": [{"id": 1, "title": "one"}, {"id": "1", "status": "two"}]},
    {**BASE, "awards": [{"id": None, "title": "no id"}]},
    {**BASE, "awards": [{"id": 1.5}]},
    {**BASE, "parties": [{"id": True}]},
    {**BASE, "tender": {"items": [{"id": {"nested": "id"}}]}},
]


def _random_value(rng: random.Random, depth: int) -> Any:
    kind = rng.choice(["scalar", "scalar", "null", "object", "array", "objects"])
    if depth > 3 or kind == "scalar":
        return rng.choice(["s", "", 0, 1, 2.5, True, False])
    if kind == "null":
        return None
    if kind == "object":
        return {k: _random_value(rng, depth + 1)
                for k in rng.sample(["a", "b", "value", "roles", "items"], rng.randrange(0, 4))}
    if kind == "array":
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(0, 3))]
    objects = []
    for n in range(rng.randrange(0, 4)):
        item = _random_value(rng, 3) if rng.random() < 0.1 else {}
        if isinstance(item, dict):
            if rng.random() < 0.7:
                item["id"] = rng.choice([str(n), n, f"x{n}"])
            item.update({k: _random_value(rng, depth + 1)
                         for k in rng.sample(["a", "b", "title"], rng.randrange(0, 3))})
        objects.append(item)
    return objects


def random_releases(n: int) -> list[dict[str, Any]]:
    rng = random.Random(20261123)
    keys = ["tender", "buyer", "parties", "awards", "contracts", "planning", "title", "extra"]
    return [{**BASE, "id": f"r{i}", **{k: _random_value(rng, 0) for k in rng.sample(keys, 4)}}
            for i in range(n)]


@pytest.mark.parametrize("source", ["fixtures", "generated", "edge cases", "random"])
def test_equals_ocdsmerge(source: str) -> None:
    releases: list[dict[str, Any]]
    if source == "fixtures":
        releases = fixture_releases()
    elif source == "generated":
        releases = list(generate(200))
    elif source == "edge cases":
        releases = EDGE_CASES
    else:
        releases = random_releases(2000)
    rules = merger().merge_rules
    compared = 0
    for release in releases:
        before = copy.deepcopy(release)
        fast = compile_single(release, rules)
        assert release == before  # the input is left alone
        if fast is None:
            continue
        assert fast == ocdsmerge(release), release
        compared += 1
    # Most releases take the shortcut (random ones often repeat ids on purpose).
    assert compared >= (len(releases) // 2 if source == "random" else len(releases))
    assert compared > 10


@pytest.mark.parametrize("release", UNSUPPORTED)
def test_steps_aside_where_ocdsmerge_merges_objects(release: dict[str, Any]) -> None:
    assert compile_single(release, merger().merge_rules) is None


def test_compile_all_uses_it_for_one_release_only() -> None:
    one = Stored("ocds-x-1/r1", EDGE_CASES[1], 0)
    compiled, bad = compile_all([], [one])
    assert (compiled, bad) == (ocdsmerge(EDGE_CASES[1]), [])
    two = Stored("ocds-x-1/r2", {**EDGE_CASES[2], "id": "r2", "date": "2024-02-01"}, 1)
    compiled, _ = compile_all([one], [two])
    assert compiled == merger().create_compiled_release([one.release, two.release])


def test_follows_the_rules_it_is_given() -> None:
    """Other merge rules (another schema version, extensions) are applied the same way."""
    from ocdsmerge import Merger

    rules = {**merger().merge_rules, ("awards", "id"): "omitWhenMerged",
             ("awards", "title"): "omitWhenMerged", ("tender", "items"): "wholeListMerge",
             ("tender", "value"): "wholeListMerge"}
    release = {**BASE, "awards": [{"id": "a", "title": "t", "status": "active"},
                                  {"id": "b", "title": "only omitted fields"}],
               "tender": {"items": [{"id": "1"}, {"id": "1"}], "value": {"amount": None}}}
    expected = Merger(merge_rules=rules).create_compiled_release([release])
    assert compile_single(release, rules) == expected

"""The multi-release merge gives exactly what ocdsmerge gives, or steps aside."""

from __future__ import annotations

import copy
import random
import warnings
from collections import defaultdict
from typing import Any

import pytest
from ocdsmerge.merge import CompiledRelease

from bench.ocds_import import generate
from importers.ocds_compile import Stored, compile_all, extend, merger
from importers.ocds_merge import compile_releases

from .test_ocds_single import BASE, EDGE_CASES, fixture_releases, random_releases

DATES = ["2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "2024-02-01T00:00:00Z",
         "2024-03-01", "2025-01-01T00:00:00Z"]


def ocdsmerge(releases: list[dict[str, Any]], base: dict[str, Any] | None = None
              ) -> dict[str, Any] | None:
    """ocdsmerge's compiled release, or None where it fails."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            merged = CompiledRelease(data=copy.deepcopy(base), merge_rules=merger().merge_rules)
            merged.extend(copy.deepcopy(releases))
            out: dict[str, Any] = merged.asdict()
        except Exception:  # any failure of ocdsmerge is "no result"
            return None
    return out


def processes(source: str) -> list[list[dict[str, Any]]]:
    by_ocid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if source == "generated":
        for r in generate(3000):
            by_ocid[r["ocid"]].append(r)
        return [p for p in by_ocid.values() if len(p) > 1]
    if source == "fixtures":
        for r in fixture_releases():
            by_ocid[r["ocid"]].append(r)
        return [p for p in by_ocid.values() if len(p) > 1]
    rng = random.Random(4)
    pool = random_releases(3000) if source == "random" else EDGE_CASES * 20
    out = []
    while pool:
        n = rng.randrange(2, 5)
        process, pool = pool[:n], pool[n:]
        out.append([{**r, "id": f"r{i}", "date": rng.choice(DATES)}
                    for i, r in enumerate(process)])
    return out


@pytest.mark.parametrize("source", ["generated", "fixtures", "edge cases", "random"])
def test_equals_ocdsmerge(source: str) -> None:
    rules = merger().merge_rules
    compared = stepped_aside = 0
    for releases in processes(source):
        before = copy.deepcopy(releases)
        fast = compile_releases(releases, rules)
        assert releases == before  # the input is left alone
        expected = ocdsmerge(releases)
        if fast is None:
            stepped_aside += 1
            continue
        assert fast == expected, releases
        compared += 1
    assert compared > (4 if source == "fixtures" else 10)  # 6 multi-release fixtures
    if source in ("generated", "fixtures"):
        assert stepped_aside == 0
    else:  # these change shapes (null, then an object) and repeat ids on purpose
        assert compared > (100 if source == "random" else stepped_aside)


@pytest.mark.parametrize("source", ["generated", "random"])
def test_extends_a_compiled_release_as_ocdsmerge(source: str) -> None:
    rules = merger().merge_rules
    compared = 0
    for releases in processes(source):
        ordered = sorted(releases, key=lambda r: str(r["date"]))
        base = ocdsmerge(ordered[:1])
        if base is None:
            continue
        fast = compile_releases(ordered[1:], rules, base)
        if fast is None:
            continue
        assert fast == ocdsmerge(ordered[1:], base), releases
        compared += 1
    assert compared > 10


SHAPE_CHANGES = [
    ({"tender": {"title": "t"}}, {"tender": "now a string"}),
    ({"tender": "a string"}, {"tender": {"title": "t"}}),
    ({"tender": None}, {"tender": {"title": "t"}}),
    ({"awards": [{"id": "a"}]}, {"awards": ["strings"]}),
    ({"awards": [{"id": 1, "title": "t"}]}, {"awards": [{"id": "1", "status": "s"}]}),
    ({"awards": [{"id": "a"}, {"id": "a"}]}, {"title": "x"}),
    ({"date": None}, {"title": "x"}),
]


@pytest.mark.parametrize(("first", "second"), SHAPE_CHANGES)
def test_steps_aside_when_a_field_changes_shape(first: dict[str, Any],
                                                second: dict[str, Any]) -> None:
    releases = [{**BASE, **first}, {**BASE, "id": "r2", "date": "2024-06-01", **second}]
    assert compile_releases(releases, merger().merge_rules) is None


def test_compile_all_and_extend_use_it() -> None:
    """The importer's paths give ocdsmerge's result through the fast merge, and still
    find the release that breaks a process."""
    one = Stored("ocds-x-1/r1", {**BASE, "title": "plain",
                                 "tender": {"title": "t", "items": [{"id": "1"}]}}, 0)
    two = Stored("ocds-x-1/r2", {**BASE, "id": "r2", "date": "2024-05-01",
                                 "tender": {"items": [{"id": "1", "quantity": 2}]}}, 1)
    bad = Stored("ocds-x-1/r3", {**BASE, "id": "r3", "date": "2024-06-01",
                                 "title": {"en": "an object where a string was"}}, 2)
    compiled, rejected = compile_all([one], [two])
    assert rejected == []
    assert compiled == ocdsmerge([one.release, two.release])
    compiled, rejected = compile_all([one], [two, bad])
    assert [s.version_key for s, _ in rejected] == ["ocds-x-1/r3"]
    assert compiled == ocdsmerge([one.release, two.release])
    base = ocdsmerge([one.release])
    assert base is not None
    assert extend(base, [two.release]) == ocdsmerge([two.release], base)

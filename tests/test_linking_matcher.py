"""Identifiers, name preparation and the matcher, without a database."""
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from search.identifiers import (
    Agreement,
    canonical_scheme,
    compare_identifiers,
    is_valid_lei,
    normalize_identifier,
)
from search.matching.evaluate import evaluate
from search.matching.features import Party
from search.matching.labelled import load
from search.matching.model import MATCHER_VERSION, match
from search.matching.names import prepare_name


@pytest.mark.parametrize(("scheme", "a", "b"), [
    ("GB-COH", "1234567", "01234567"),
    ("GB_COH", "GB-COH-01234567", "01234567"),
    ("GB-COH", "sc 12345", "SC012345"),
    ("UA-EDR", "4633423", "04633423"),
    ("EDRPOU", "34567890", " 3456 7890 "),
    ("DE-CR", "HRB 12345 B (Amtsgericht Charlottenburg)", "HRB12345 B, AG Charlottenburg"),
    ("XI-LEI", "5299 00T8 BM49 AURS DO55", "529900t8bm49aursdo55"),
    ("ES-NIF", "ESB12345678", "B-12345678"),
    ("PL-KRS", "123456", "0000123456"),
])
def test_same_registration_written_two_ways_is_equal(scheme: str, a: str, b: str) -> None:
    assert normalize_identifier(scheme, a) == normalize_identifier(scheme, b)


def test_identifier_conflicts_and_court_rules() -> None:
    assert normalize_identifier("GB-COH", "SC012345") != normalize_identifier("GB-COH",
                                                                              "NI012345")
    de = [normalize_identifier("DE-CR", v) for v in (
        "HRB 12345 B (Amtsgericht Charlottenburg)", "HRB 12345", "HRB 12345 (AG München)")]
    assert de[0] == "HRB12345-B@CHARLOTTENBURG"
    assert compare_identifiers("DE-CR", de[0], de[1]) is Agreement.UNDECIDED
    assert compare_identifiers("DE-CR", de[0], de[2]) is Agreement.CONFLICT
    assert compare_identifiers("GB-COH", "01234567", "01234568") is Agreement.CONFLICT
    assert canonical_scheme("lei") == "XI-LEI" and canonical_scheme("uk coh") == "GB-COH"
    assert is_valid_lei("529900T8BM49AURSDO55") and not is_valid_lei("529900T8BM49AURSDO56")


def test_legal_forms_and_scripts_are_set_aside() -> None:
    a, b = prepare_name("ACME CONSTRUCTION LTD."), prepare_name("Acme Construction Limited")
    assert a.core == b.core == "acme construction" and a.forms == b.forms
    ua = prepare_name("ТОВ «Будівельна компанія Дніпро»")
    lat = prepare_name("TOV Budivelna kompaniia Dnipro")
    assert ua.forms == lat.forms and ua.core.startswith("budivelna")
    assert "mueller bau" in prepare_name("Müller Bau GmbH").variants
    assert prepare_name("Station at the Park Ltd").core == "station at park"
    assert prepare_name("Acme Public Affairs S.L.").core == "acme public affairs"


def party(name: str, country: str | None = "GB", kind: str = "company",
          ids: tuple[tuple[str, str], ...] = (), birth_date: str | None = None) -> Party:
    return Party(kind=kind, names=(name,), country=country, birth_date=birth_date,
                 identifiers=tuple((s, normalize_identifier(s, v)) for s, v in ids))


def test_equal_identifiers_decide_and_conflicts_weigh_against() -> None:
    r = match(party("ACME CONSTRUCTION LTD.", ids=(("GB-COH", "1234567"),)),
              party("Acme Construction Limited", ids=(("GB-COH", "01234567"),)))
    assert (r.status, r.method, r.score) == ("auto", "identifier", 1.0)
    evidence = r.evidence()
    assert evidence["matcher_version"] == MATCHER_VERSION
    assert evidence["identifier"]["agreement"] == "equal"
    same_name = match(party("Acme Construction Ltd", ids=(("GB-COH", "01234567"),)),
                      party("Acme Construction Limited", ids=(("GB-COH", "07654321"),)))
    assert same_name.status != "auto"
    assert same_name.contributions["identifier_conflict"] < 0


def test_evidence_lists_each_feature_and_its_contribution() -> None:
    r = match(party("ACME Holdings Limited"), party("Acme Holdings Ltd"))
    assert r.status == "auto" and r.method == "name"
    features = r.evidence()["features"]
    assert features["country_agree"]["contribution"] == features["country_agree"]["weight"]
    assert set(features) >= {"name_ratio", "name_token_sort", "legal_form_agree"}


def test_sister_companies_and_namesakes_abroad_are_not_auto() -> None:
    assert match(party("Acme Holdings Ltd"), party("Acme Construction Ltd")).status is None
    assert match(party("Acme Construction Ltd", "GB"),
                 party("Acme Construction Ltd", "IE")).status != "auto"
    assert match(party("Acme Construction 2 Ltd"),
                 party("Acme Construction Ltd")).status != "auto"


def test_a_person_is_never_auto_linked_on_a_name_alone() -> None:
    r = match(party("John Smith", kind="person"), party("John Andrew Smith", kind="person"))
    assert r.status in (None, "candidate")
    same = match(party("MARIA GARCIA LOPEZ", "ES", kind="person"),
                 party("María García López", "ES", kind="person"))
    assert same.status == "candidate" and same.rules
    born = match(party("MARIA GARCIA LOPEZ", "ES", kind="person", birth_date="1975-09"),
                 party("María García López", "ES", kind="person", birth_date="1975-09"))
    assert born.status == "auto"


def test_kinds_never_mix() -> None:
    assert match(party("Acme Ltd"), party("Acme Ltd", kind="person")).status is None


def test_evaluation_set_meets_the_goals() -> None:
    pairs = load()
    assert len(pairs) >= 500 and {p["split"] for p in pairs} == {"train", "test"}
    groups = {s: {p["group"] for p in pairs if p["split"] == s} for s in ("train", "test")}
    assert not groups["train"] & groups["test"]  # no seed in both halves
    result = evaluate(pairs, "test")
    assert result["precision"] >= 0.99
    assert result["recall"] >= 0.95

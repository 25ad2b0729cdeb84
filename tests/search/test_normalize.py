"""Name normalisation and identifier keys: the forms both backends and linking compare."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from search.idkey import query_keys, stored_key
from search.normalize import core_name, legal_forms, normalize_name, phonetic_tokens


@pytest.mark.parametrize(("a", "b"), [
    ("Acme Construction Limited", "ACME CONSTRUCTION LTD."),
    ("Acme Construction Ltd", "acme construction llc"),
    ("Müller Bau GmbH", "Muller Bau Gesellschaft mit beschränkter Haftung"),
    ("ТОВ «Будівельна компанія Дніпро»",
     "Товариство з обмеженою відповідальністю Будівельна компанія Дніпро"),
    ("ТОВ «Будівельна компанія Дніпро»", "TOV Budivelna kompaniya Dnipro"),
    ("Олександр Коваленко", "Oleksandr Kovalenko"),
    ("María García López", "Maria Garcia-Lopez"),
    ("O'Brien & Sons", "OBrien Sons"),
])
def test_same_party_same_form(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Acme Construction Limited", "Acme Holdings Limited"),
    ("Müller Bau GmbH", "Müller Bank AG"),
])
def test_different_parties_differ(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_normal_form_is_ascii_lower_single_spaced() -> None:
    for name in ["  Київська   міська\tдержавна адміністрація ", "Ελληνική Εταιρεία", "北京大学",
                 "Société Générale S.A.", "Ørsted A/S", "Straße 5"]:
        out = normalize_name(name)
        assert out and out.isascii() and out == out.lower() and "  " not in out
        assert out == out.strip()
    assert normalize_name("") == "" and normalize_name(" -- ") == ""


def test_legal_form_helpers_for_linking() -> None:
    assert core_name("Acme Construction Limited") == "acme construction"
    assert core_name("ТОВ «Будівельна компанія Дніпро»") == "budivelna kompaniya dnipro"
    assert core_name("Ltd") == "llc"  # nothing else left: the full form, not ""
    assert legal_forms("Müller Bau GmbH") == legal_forms("ТОВ Дніпро") == ["llc"]
    assert legal_forms("John Smith") == []
    assert phonetic_tokens("Mueller Bau") == phonetic_tokens("Muller Bau GmbH")


@pytest.mark.parametrize(("query", "key"), [
    ("GB-COH 01234567", "1234567"), ("01234567", "1234567"), ("1234567", "1234567"),
    ("gb-coh-01234567", "1234567"), ("GB-COH: 0123 4567", "1234567"),
    ("UA-EDR 34567890", "34567890"), ("XI-LEI 5493001KJTIIGC8Y1R12", "5493001KJTIIGC8Y1R12"),
])
def test_identifier_query_keys(query: str, key: str) -> None:
    assert query_keys(query)[0] == key


def test_words_are_not_identifiers() -> None:
    assert query_keys("Acme Construction") == []
    assert query_keys("AB 1") == []  # too short to be an identifier


async def test_stored_key_matches_the_sql_function(session: AsyncSession) -> None:
    cases = [("GB-COH", "01234567"), ("GB-COH", "GB-COH-01234567"), ("gb-coh", "GB-COH 0123"),
             ("DE-CR", "HRB 12345 B (Amtsgericht Charlottenburg)"), ("UA-EDR", "0000"),
             ("XI-LEI", "5493001kjtiigc8y1r12"), ("", "A-1/2")]
    for scheme, value in cases:
        sql = (await session.execute(text("SELECT search_identifier_key(:s, :v)"),
                                     {"s": scheme, "v": value})).scalar()
        assert sql == stored_key(scheme, value), (scheme, value)


def test_legal_forms_only_count_at_the_edges_of_a_name() -> None:
    # "at" is an Estonian legal form, "sa" a Romanian one: inside a name they are words.
    assert normalize_name("Station at the Park Ltd") == "station at the park llc"
    assert normalize_name("Casa Sa Mare") != normalize_name("Casa Mare")
    assert normalize_name("AT Kyivenergo") == "jsc kyivenergo"  # at the start it is a form

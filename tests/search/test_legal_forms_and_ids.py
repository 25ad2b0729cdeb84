
"""Legal forms in any spelling, identifiers in any format, and the rules on top of the score:
the categories that failed on data the team never saw (issue 14)."""

from __future__ import annotations

import pytest

from search.identifiers import Agreement, compare_identifiers, normalize_identifier
from search.legal_forms import split_forms
from search.matching.features import Party
from search.matching.model import match
from search.normalize import normalize_name


@pytest.mark.parametrize(("name", "form"), [
    ("Acme Società a responsabilità limitata", "srl"), ("Acme Sociedad Limitada", "sl"),
    ("Acme Société anonyme", "sa"), ("Acme spółka z ograniczoną odpowiedzialnością", "spzoo"),
    ("Siemens Aktiengesellschaft", "ag"), ("Acme GmbH und Compagnie Kommanditgesellschaft",
                                           "gmbhcokg"),
    ("Приватне акціонерне товариство Київенерго", "prat"),
    ("Pryvatne aktsionerne tovarystvo Kyivenergo", "prat"),
    ("Acme Joint Stock Company", "jsc"), ("Acme Limited Liability Company", "lc"),
    ("Acme Limited Liabilty Company", "lc"), ("Angola Technik Aktiengeellschaft", "ag"),
    ("Acme Lmited", "ltd"),
])
def test_spelt_out_transliterated_and_mistyped_forms_are_found(name: str, form: str) -> None:
    tokens, head, tail = split_forms(name)
    assert [f.code for f in head + tail] == [form]
    assert tokens and tokens[0] in ("acme", "siemens", "kyivenergo", "kiivenergo", "angola")


@pytest.mark.parametrize(("name", "forms"), [
    ("Station at the Park", []), ("Acme Limits", []), ("Acme Limitless", []),
    ("Casa Sa Mare", []), ("ТОВ Сирія Транспортна", ["ooo"]),  # Syria is no Latvian SIA
])
def test_words_like_forms_stay_words(name: str, forms: list[str]) -> None:
    _, head, tail = split_forms(name)
    assert [f.code for f in head + tail] == forms


def company(name: str, *ids: tuple[str, str], country: str = "XX") -> Party:
    return Party(kind="company", names=(name,), country=country,
                 identifiers=tuple((s, normalize_identifier(s, v)) for s, v in ids))


@pytest.mark.parametrize(("left", "right"), [
    ("X Trading S.L.", "X Trading S.A."), ("Acme GmbH", "Acme GmbH & Co. KG"),
    ("Acme Ltd", "Acme PLC"), ("Acme S.r.l.", "Acme S.p.A."), ("ТОВ Дніпро", "ПрАТ Дніпро"),
    ("Acme AG", "Acme GmbH"),
])
def test_two_legal_forms_are_never_one_company_automatically(left: str, right: str) -> None:
    result = match(company(left), company(right))
    assert result.status != "auto"
    assert result.features["legal_form_conflict"] == 1.0


@pytest.mark.parametrize(("scheme", "a", "b"), [
    ("DE-CR", "HRB 159332 München", "München HRB 159332"),
    ("DE-CR", "Amtsgericht München HRB 159332", "HRB 159332 (Muenchen)"),
    ("IT-CF", "IT00743110157", "00743110157"), ("IT-CF", "IT 00743110157", "743110157"),
    ("PL-KRS", "KRS 0000438486", "438486"), ("ES-NIF", "ESB-12345674", "B12345674"),
    ("GB-COH", "GB-COH 01234567", "1234567"), ("XX-ABC", "0012-345", "12345"),
])
def test_a_formatting_difference_is_never_a_conflict(scheme: str, a: str, b: str) -> None:
    agreement = compare_identifiers(scheme, normalize_identifier(scheme, a),
                                    normalize_identifier(scheme, b))
    assert agreement is Agreement.EQUAL
    result = match(company("Acme Bau GmbH", (scheme, a)), company("ACME BAU GMBH", (scheme, b)))
    assert result.status == "auto" and result.method == "identifier"


def test_a_real_identifier_conflict_still_decides_against() -> None:
    left = company("Costruzioni Rossi S.p.A.", ("IT-CF", "00743110157"))
    right = company("Costruzioni Rossi S.p.A.", ("IT-CF", "01234560157"))
    assert match(left, right).status is None
    # One digit mistyped (fails its check digit): no conflict, and no automatic link.
    typo = company("Costruzioni Rossi S.p.A.", ("IT-CF", "00743110158"))
    result = match(left, typo)
    assert result.status == "candidate" and result.identifier
    assert result.identifier["agreement"] == "mistyped"


@pytest.mark.parametrize(("left", "right"), [
    ("Siemens AG", "SiemensAG"), ("44 Holdings Ltd", "Forty-Four Holdings Limited"),
    ("First Choice Ltd", "1st Choice Limited"), ("Goodwill Trading Ltd", "Good Will Trading Ltd"),
    ("Acme International Ltd", "Acme Int'l Limited"), ("Smith & Jones Ltd", "Smith and Jones Ltd"),
    ("The Riverside Bakery Ltd", "Riverside Bakery Limited"),
    ("Bank of America", "Bank of America Corporation"), ("Apple Inc.", "Apple Corp"),
    ("Khmelnytskyi Energo TOV", "ТОВ Хмельницький Енерго"),
])
def test_name_variation_that_any_register_sees(left: str, right: str) -> None:
    assert match(company(left), company(right)).status == "auto"


# The edges of names are cached by their tokens alone (search/legal_forms.py): the same
# tokens at the start and at the end, or in names of other lengths, keep their own answers
# (the outputs of the uncached peeling, which these were taken from).
@pytest.mark.parametrize(("name", "normalized"), [
    ("ACME CONSTRUCTION LIMITED", "acme construction llc"), ("ACME LIMITED", "acme llc"),
    ("LIMITED", "llc"), ("THE LIMITED COMPANY LTD", "the llc llc"),
    ("Limited Edition Prints Ltd", "llc edition prints llc"), ("Co Ltd", "llc"),
    ("GmbH Acme", "llc acme"), ("Acme GmbH", "acme llc"),
    ("Acme Holdings Limted", "acme holdings llc"),
    ("ТОВ Коваленко і партнери", "llc kovalenko i partneri"), ("Kovalenko TOV", "kovalenko llc"),
    ("Acme Bau GmbH & Co. KG", "acme bau lp"), ("AND SONS LIMITED", "and sons llc"),
])
def test_legal_forms_at_the_edges_whatever_was_seen_before(name: str, normalized: str) -> None:
    assert normalize_name(name) == normalized


@pytest.mark.parametrize(("scheme", "value", "normalized"), [
    ("GB-COH", "coh:1234", "00001234"), ("GB-COH", "Companies-House 0001234", "00001234"),
    ("GB-COH", "COH1234", "00001234"), ("GB-COH", "COHX1", "COHX1"),
    ("GB-COH", "sc 12345", "SC012345"), ("PL-KRS", "krs0000438486", "0000438486"),
    ("UA-EDR", "EDRPOU 1234", "00001234"), ("XX-ABC", "Ünï-12", "UNI12"),
])
def test_scheme_names_written_before_the_value(scheme: str, value: str, normalized: str) -> None:
    assert normalize_identifier(scheme, value) == normalized

"""Features of a pair of parties, each a number the model weighs.

Names are compared with several rapidfuzz scorers on the prepared names (the best-matching
pair of names of the two parties decides); legal form, country, address, date of birth and
identifiers add agreement or conflict. Agreement and conflict are separate features so that
the model can weigh "both said GB" and "one said GB, the other UA" independently of "unknown".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler, Levenshtein

from search.identifiers import Agreement, canonical_scheme, compare_identifiers
from search.normalize import normalize_name

from .names import PreparedName, prepare_name

FEATURES: tuple[str, ...] = (
    "name_ratio",  # character similarity of the best pair of names (0..1)
    "name_token_sort",  # same, word order ignored
    "name_token_set",  # same, one name's words contained in the other's
    "name_jaro_winkler",  # prefix-weighted similarity (typos near the end matter less)
    "name_exact",  # 1 when the prepared names are equal
    "token_unmatched",  # share of words with no close counterpart on the other side
    "number_mismatch",  # 1 when the names carry different numbers ("Acme 2" vs "Acme 3")
    "single_token",  # 1 when a name is one word: similarity says less
    "legal_form_agree",
    "legal_form_conflict",
    "country_agree",
    "country_conflict",
    "address",  # address similarity mapped to -1..1, 0 when either is unknown
    "identifier_conflict",  # different identifiers in one scheme
    "birth_date_agree",
    "birth_date_conflict",
)


@dataclass(frozen=True, slots=True)
class Party:
    """What matching knows of one side: its kind, names and a few attributes."""

    kind: str
    names: tuple[str, ...]
    country: str | None = None
    # (canonical scheme, normalised value)
    identifiers: tuple[tuple[str, str], ...] = ()
    # Identifiers whose scheme is unknown (a /match query's registrationNumber): normalised
    # generically, compared with every identifier of the other side.
    loose_identifiers: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    legal_form: str | None = None
    birth_date: str | None = None  # ISO, possibly partial (YYYY or YYYY-MM)

    def prepared(self) -> list[PreparedName]:
        return [prepare_name(n, self.kind) for n in self.names[:8] if n]


@dataclass(slots=True)
class PairFeatures:
    values: dict[str, float]
    identifier_equal: tuple[str, str, str] | None = None  # scheme, left, right
    identifier_conflicts: list[tuple[str, str, str]] = field(default_factory=list)
    # Same scheme, one value mistyped (fails its check digits, a typo from the other).
    identifier_mistyped: tuple[str, str, str] | None = None
    left_name: str = ""
    right_name: str = ""


def _tokens_unmatched(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 1.0

    def missing(xs: tuple[str, ...], ys: tuple[str, ...]) -> float:
        lost = 0
        for x in xs:
            if x in ys:
                continue
            if not any(Levenshtein.normalized_similarity(x, y) >= 0.8 for y in ys):
                lost += 1
        return lost / len(xs)

    return max(missing(a, b), missing(b, a))


_DIGIT = re.compile(r"\d")


def _numbers(tokens: tuple[str, ...]) -> frozenset[str]:
    return frozenset(t for t in tokens if _DIGIT.search(t))  # one C call a token


def _best_names(left: list[PreparedName], right: list[PreparedName]) -> tuple[str, str]:
    best = (-1.0, "", "")
    for ln in left:
        for rn in right:
            for lv in ln.variants:
                for rv in rn.variants:
                    s = fuzz.token_sort_ratio(lv, rv)
                    if s > best[0]:
                        best = (s, lv, rv)
    return best[1], best[2]


def _forms(party: Party, names: list[PreparedName]) -> tuple[frozenset[str], frozenset[str]]:
    """(legal forms, their generic classes) of a party's names and declared legal form."""
    forms: set[str] = set()
    classes: set[str] = set()
    prepared = [*names, *([prepare_name(party.legal_form, "company")] if party.legal_form
                          else [])]
    for n in prepared:
        forms |= n.forms
        classes |= n.form_classes
    return frozenset(forms), frozenset(classes)


def _dates_agree(a: str, b: str) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _address_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    best = 0.0
    for x in a:
        for y in b:
            best = max(best, fuzz.token_set_ratio(normalize_name(x), normalize_name(y)) / 100)
    return best


def compare(left: Party, right: Party) -> PairFeatures:
    values = dict.fromkeys(FEATURES, 0.0)
    ln, rn = left.prepared(), right.prepared()
    out = PairFeatures(values=values)
    if ln and rn:
        lv, rv = _best_names(ln, rn)
        out.left_name, out.right_name = lv, rv
        if lv and rv:
            values["name_ratio"] = fuzz.ratio(lv, rv) / 100
            values["name_token_sort"] = fuzz.token_sort_ratio(lv, rv) / 100
            values["name_token_set"] = fuzz.token_set_ratio(lv, rv) / 100
            values["name_jaro_winkler"] = JaroWinkler.normalized_similarity(lv, rv)
            values["name_exact"] = float(lv == rv or sorted(lv.split()) == sorted(rv.split()))
        lt, rt = tuple(lv.split()), tuple(rv.split())
        values["token_unmatched"] = _tokens_unmatched(lt, rt)
        values["number_mismatch"] = float(_numbers(lt) != _numbers(rt))
        values["single_token"] = float(min(len(lt), len(rt)) <= 1)
        if left.kind != "person":
            (lf, lc), (rf, rc) = _forms(left, ln), _forms(right, rn)
            # The same form, or forms of one class across languages, agree; forms of
            # different classes (S.L./S.A., GmbH/GmbH & Co. KG, Ltd/PLC) are different
            # legal persons: a conflict, which the model never links automatically.
            if lf and rf and lf & rf:
                values["legal_form_agree"] = 1.0
            elif lc and rc and not lc & rc:
                values["legal_form_conflict"] = 1.0
    if left.country and right.country:
        same = left.country.upper() == right.country.upper()
        values["country_agree" if same else "country_conflict"] = 1.0
    if left.addresses and right.addresses:
        values["address"] = 2 * _address_similarity(left.addresses, right.addresses) - 1
    if left.birth_date and right.birth_date:
        agree = _dates_agree(left.birth_date, right.birth_date)
        values["birth_date_agree" if agree else "birth_date_conflict"] = 1.0
    _compare_identifiers(left, right, out)
    values["identifier_conflict"] = float(bool(out.identifier_conflicts)
                                          and out.identifier_equal is None)
    return out


def _compare_identifiers(left: Party, right: Party, out: PairFeatures) -> None:
    rights: dict[str, set[str]] = {}
    for scheme, value in right.identifiers:
        rights.setdefault(canonical_scheme(scheme), set()).add(value)
    for scheme, value in left.identifiers:
        code = canonical_scheme(scheme)
        for other in sorted(rights.get(code, ())):
            agreement = compare_identifiers(code, value, other)
            if agreement is Agreement.EQUAL:
                out.identifier_equal = (code, value, other)
                return
            if agreement is Agreement.CONFLICT:
                out.identifier_conflicts.append((code, value, other))
            if agreement is Agreement.MISTYPED:
                out.identifier_mistyped = (code, value, other)
    # Scheme-less identifiers (from /match) only ever confirm, never conflict.
    loose_l = set(left.loose_identifiers)
    loose_r = set(right.loose_identifiers)
    all_l = {_loose(v) for _, v in left.identifiers} | loose_l
    all_r = {_loose(v) for _, v in right.identifiers} | loose_r
    for value in sorted((loose_l & all_r) | (loose_r & all_l)):
        if value:
            out.identifier_equal = ("*", value, value)
            return


def _loose(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum()).lstrip("0")


def loose_identifier(value: str) -> str:
    """The scheme-less form: alphanumerics, upper case, no leading zeros."""
    return _loose(value)

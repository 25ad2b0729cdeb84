"""Identifier normalisation per scheme (org-id.guide codes): the one place for it.

Equal normalised identifiers in one scheme decide a link; different ones in the same scheme
are strong evidence against it (DESIGN §3). So the normal form must be canonical: the same
registration written two ways (``1234567`` / ``01234567`` for GB-COH, ``HRB 12345 B
(Amtsgericht Charlottenburg)`` / ``HRB12345B``) gives the same string, and two different
registrations never do.

``normalize_identifier(scheme, value)`` keeps its signature; ``canonical_scheme`` maps the
spellings sources use for a scheme (``GB_COH``, ``LEI``, ``EDRPOU``) to the org-id.guide code,
and ``compare_identifiers`` tells equal / conflicting / undecided apart for one scheme (a
German register number without its court is not decisive).
"""

from __future__ import annotations

import enum
import functools
import importlib
import re
import unicodedata
from functools import cache
from types import ModuleType

from rapidfuzz.distance import Levenshtein

# Spellings met in the wild -> org-id.guide code. Keys are compared upper case, with any
# run of spaces, dots, underscores or hyphens collapsed to one hyphen.
SCHEME_ALIASES: dict[str, str] = {
    "GB-COH": "GB-COH", "COH": "GB-COH", "UK-COH": "GB-COH", "GB-CH": "GB-COH",
    "COMPANIES-HOUSE": "GB-COH", "GB-CRN": "GB-COH",
    "UA-EDR": "UA-EDR", "EDR": "UA-EDR", "EDRPOU": "UA-EDR", "UA-EDRPOU": "UA-EDR",
    "DE-CR": "DE-CR", "DE-HR": "DE-CR", "HANDELSREGISTER": "DE-CR",
    "XI-LEI": "XI-LEI", "LEI": "XI-LEI",
    "ES-NIF": "ES-NIF", "NIF": "ES-NIF", "CIF": "ES-NIF", "ES-CIF": "ES-NIF",
    "ES-RMC": "ES-RMC",
    "PL-KRS": "PL-KRS", "KRS": "PL-KRS", "PL-NIP": "PL-NIP", "PL-REGON": "PL-REGON",
    "RU-INN": "RU-INN", "INN": "RU-INN", "RU-OGRN": "RU-OGRN", "OGRN": "RU-OGRN",
    "GE-NAPR": "GE-NAPR", "GR-CR": "GR-CR", "IT-CF": "IT-CF", "FR-RCS": "FR-RCS",
    "IT-IVA": "IT-CF", "IT-VAT": "IT-CF", "PARTITA-IVA": "IT-CF", "FR-SIREN": "FR-RCS",
    "SIREN": "FR-RCS", "DK-CVR": "DK-CVR", "NO-BRC": "NO-BRC", "SE-BLV": "SE-BLV",
    "FI-PRO": "FI-PRO", "EE-RIK": "EE-RIK", "CZ-ICO": "CZ-ICO",
}

# python-stdnum's module for the schemes it knows: its ``compact`` removes separators and
# country prefixes, and its ``is_valid`` (check digits) says whether a value can be a
# registration at all. A value that fails it is a typo or a placeholder: it confirms
# nothing, and conflicts with nothing.
STDNUM_MODULES: dict[str, str] = {
    "ES-NIF": "stdnum.es.nif", "ES-RMC": "stdnum.es.nif", "IT-CF": "stdnum.it.iva",
    "PL-NIP": "stdnum.pl.nip", "PL-REGON": "stdnum.pl.regon", "RU-INN": "stdnum.ru.inn",
    "UA-EDR": "stdnum.ua.edrpou", "XI-LEI": "stdnum.lei", "FR-RCS": "stdnum.fr.siren",
    "DK-CVR": "stdnum.dk.cvr", "NO-BRC": "stdnum.no.orgnr", "SE-BLV": "stdnum.se.orgnr",
    "FI-PRO": "stdnum.fi.ytunnus", "EE-RIK": "stdnum.ee.registrikood", "CZ-ICO": "stdnum.cz.dic",
}

# ES-RMC entries are keyed by the company's NIF in practice, so both use the NIF rule.
_SPANISH_TAX = {"ES-NIF", "ES-RMC"}

# UK Companies House: 8 characters; a two-letter prefix (SC Scotland, NI Northern Ireland,
# OC LLP, SO, NC, FC, R0, ...) followed by six digits, or eight digits.
_COH_PREFIXED = re.compile(r"^([A-Z]{2}|R0)(\d{1,6})$")

# German commercial registers: HRA/HRB (commercial), GnR (cooperatives), PR (partnerships),
# VR (associations), GsR (civil-law partnerships).
# Linear: the separator is one class (``\s*\.?\s*`` backtracked quadratically on a long
# run of spaces).
_DE_REGISTER = re.compile(
    r"(?<![A-Z])(HRA|HRB|GNR|PR|VR|GSR)[\s.]*(\d{1,9})\s*([A-Z])?\b", re.IGNORECASE)
# No register identifier is longer; a longer value is cut before any pattern sees it.
MAX_IDENTIFIER_LENGTH = 200
_DE_COURT_WORDS = re.compile(r"\b(AMTSGERICHT|AG|REGISTERGERICHT|GERICHT)\b")

# Numeric registers with a fixed width, written with or without their leading zeros.
_FIXED_DIGITS = {"PL-KRS": 10, "GE-NAPR": 9}

_LEI = re.compile(r"^[A-Z0-9]{18}\d{2}$")


class Agreement(enum.Enum):
    EQUAL = "equal"  # the same registration: decisive
    CONFLICT = "conflict"  # two different registrations in one scheme: strong evidence against
    UNDECIDED = "undecided"  # comparable but not decisive (e.g. DE-CR without its court)
    MISTYPED = "mistyped"  # one side fails its check digits, a typo away: never auto


@functools.lru_cache(maxsize=4096)  # a handful of spellings, once per identifier of an import
def canonical_scheme(scheme: str) -> str:
    """The org-id.guide code for a scheme as a source spelt it; unknown schemes unchanged
    (upper case)."""
    key = re.sub(r"[\s._-]+", "-", scheme.strip().upper()).strip("-")
    return SCHEME_ALIASES.get(key, key)


def _fold(value: str) -> str:
    if value.isascii():  # most values: NFKD leaves ASCII as it is, with no marks to drop
        return value.upper()
    folded = unicodedata.normalize("NFKD", value)
    return "".join(c for c in folded if not unicodedata.combining(c)).upper()


_NOT_ASCII_ALNUM = re.compile(r"[^0-9A-Za-z]+")


def _alnum(value: str) -> str:
    folded = _fold(value)
    if folded.isascii():  # one pass in C (str.isalnum is the same test on ASCII)
        return _NOT_ASCII_ALNUM.sub("", folded)
    return "".join(ch for ch in folded if ch.isalnum())


def _strip_scheme_prefix(scheme: str, value: str) -> str:
    """``GB-COH-01234567`` or ``KRS 0000123456`` given as the value of an identifier of that
    scheme: drop the scheme's name."""
    v = value.strip()
    if scheme == "DE-CR":
        return v
    upper = v.upper()
    prefixes = _scheme_prefixes(scheme)
    if not upper.startswith(prefixes[0]):  # most values: one test for every prefix
        return v
    for prefix, bare in prefixes[1]:
        if upper.startswith(prefix):
            rest = v[len(prefix):]
            if not bare or rest[:1].isdigit():
                return rest.strip(" :-")
    return v


@functools.lru_cache(maxsize=1024)
def _scheme_prefixes(scheme: str) -> tuple[tuple[str, ...], tuple[tuple[str, bool], ...]]:
    """The scheme's names, longest first, each followed by a separator or (``bare``) by
    nothing, and the same prefixes as one tuple: worked out once per scheme rather than
    for every value."""
    names = {scheme, scheme.partition("-")[2]} | {alias for alias, code in
                                                 SCHEME_ALIASES.items() if code == scheme}
    pairs = tuple((name + sep, not sep)
                  for name in sorted(names - {""}, key=len, reverse=True)
                  for sep in ("-", ":", " ", ""))
    return tuple(p for p, _ in pairs), pairs


def _gb_coh(value: str) -> str:
    v = _alnum(value)
    if v.isdigit():
        return v.zfill(8)
    m = _COH_PREFIXED.match(v)
    if m:
        return m.group(1) + m.group(2).zfill(6)
    return v


def _ua_edr(value: str) -> str:
    v = _alnum(value)
    # EDRPOU codes of legal entities are 8 digits; spreadsheets drop the leading zeros.
    return v.zfill(8) if v.isdigit() and len(v) < 8 else v


_GERMAN_VOWELS = (("AE", "A"), ("OE", "O"), ("UE", "U"))


def _de_cr(value: str) -> str:
    """``HRB 12345 B (Amtsgericht Charlottenburg)`` -> ``HRB12345-B@CHARLOTTENBURG``.

    Register type and number, then the optional letter suffix (Berlin writes ``B``), then the
    court, written before or after the number (``München HRB 159332``, ``Amtsgericht
    München HRB 159332``): the same HRB number exists at many courts, so the court is part
    of the identity. Umlauts and their spelt-out forms agree (``Muenchen`` = ``München``).
    """
    folded = _fold(value[:200])  # a register number is short; the pattern stays linear
    m = _DE_REGISTER.search(folded)
    if not m:
        return _alnum(value)
    register, number, suffix = m.groups()
    rest = folded[:m.start()] + " " + folded[m.end():]
    court = _DE_COURT_WORDS.sub(" ", rest.upper())
    court = "".join(ch for ch in court if ch.isalpha())
    for spelt, letter in _GERMAN_VOWELS:
        court = court.replace(spelt, letter)
    key = f"{register.upper()}{int(number)}"
    if suffix:
        key += "-" + suffix.upper()
    return f"{key}@{court}" if court else key


def _de_parts(normalized: str) -> tuple[str, str, str]:
    head, _, court = normalized.partition("@")
    number, _, suffix = head.partition("-")
    return number, suffix, court


def _es_nif(value: str) -> str:
    v = _alnum(value)
    # A VAT number is the NIF with the country prefix (ESB12345678).
    if len(v) == 11 and v.startswith("ES"):
        v = v[2:]
    return v


def normalize_identifier(scheme: str, value: str) -> str:
    code = canonical_scheme(scheme[:MAX_IDENTIFIER_LENGTH])
    value = _strip_scheme_prefix(code, value[:MAX_IDENTIFIER_LENGTH])
    if code == "GB-COH":
        return _gb_coh(value)
    if code == "UA-EDR":
        return _ua_edr(value)
    if code == "DE-CR":
        return _de_cr(value)
    if code in _FIXED_DIGITS:
        v = _alnum(value)
        return v.zfill(_FIXED_DIGITS[code]) if v.isdigit() else v
    if code in _SPANISH_TAX:
        return _es_nif(value)
    module = _stdnum(code)
    if module is not None:
        try:
            return str(module.compact(value)).upper()
        except Exception:  # stdnum raises its own errors on garbage
            return _alnum(value)
    v = _alnum(value)
    country = code[:2]
    if len(code) > 3 and code[2] == "-" and v.startswith(country) and v[2:].isdigit():
        v = v[2:]  # a VAT-style number written with its country prefix
    return v.lstrip("0") or v if v.isdigit() else v


@cache
def _stdnum(code: str) -> ModuleType | None:
    name = STDNUM_MODULES.get(code)
    return importlib.import_module(name) if name else None


def is_valid(scheme: str, normalized: str) -> bool | None:
    """Whether a normalised value passes its scheme's check digits; None when unknown."""
    module = _stdnum(canonical_scheme(scheme))
    if module is None:
        return None
    try:
        return bool(module.is_valid(normalized))
    except Exception:  # ditto
        return False


def is_valid_lei(value: str) -> bool:
    """ISO 17442 check digits (ISO 7064 mod 97-10)."""
    v = _alnum(value)
    if not _LEI.match(v):
        return False
    digits = "".join(str(int(ch, 36)) for ch in v)
    return int(digits) % 97 == 1


def compare_identifiers(scheme: str, left: str, right: str) -> Agreement:
    """Compare two *normalised* identifiers of one (canonical) scheme."""
    if left == right:
        return Agreement.EQUAL
    if canonical_scheme(scheme) == "DE-CR":
        lnum, lsuffix, lcourt = _de_parts(left)
        rnum, rsuffix, rcourt = _de_parts(right)
        if lnum == rnum:
            # Same number with a suffix or court missing on one side: plausible, not
            # decisive. Both known and different: different companies.
            if (lsuffix and rsuffix and lsuffix != rsuffix) or (lcourt and rcourt
                                                                 and lcourt != rcourt):
                return Agreement.CONFLICT
            return Agreement.UNDECIDED
    if left.isdigit() and right.isdigit() and left.lstrip("0") == right.lstrip("0"):
        return Agreement.EQUAL
    # One side fails its check digits and is a typo away from the other: it was mistyped,
    # and decides nothing. Two valid values, or two invalid ones, are two registrations.
    if (is_valid(scheme, left) is False) != (is_valid(scheme, right) is False) \
            and Levenshtein.distance(left, right) <= 2:
        return Agreement.MISTYPED
    return Agreement.CONFLICT

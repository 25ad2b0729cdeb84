# ruff: noqa: RUF001, RUF002  (names in many scripts are the point here)
"""Names made comparable for matching: legal forms set aside, any script latinised.

Legal forms come out first (rigour's database of company types, plus the few spellings it
misses: ``S.L.``, Greek ``Α.Ε.``, ``sp z o o``, Latin-script Ukrainian forms), so that
``Acme Construction Ltd`` and ``ACME CONSTRUCTION LIMITED`` compare as ``acme construction``
with a legal-form agreement on the side. The rest is transliterated (normality) and then
passed through the shared ``search.normalize.normalize_name``. German names get a second
variant with umlauts expanded (``Müller`` = ``Mueller``), compared as an alternative.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from normality import ascii_text
from rigour.names import extract_org_types, replace_org_types_compare

from search.normalize import normalize_name, replace_edge

# Forms rigour does not recognise in these spellings -> (compare form, generic class). Only
# looked for at the start or the end of a name, where legal forms stand.
_EXTRA: list[tuple[str, str, str]] = [
    (r"s\.?\s?l\.?(?:\s?u\.?)?", "sl", "llc"),
    (r"s\.?\s?r\.?\s?l\.?", "srl", "llc"),
    (r"s\.?\s?a\.?\s?r\.?\s?l\.?", "sarl", "llc"),
    (r"sp\.?\s?z\s?o\.?\s?o\.?", "spzoo", "llc"),
    (r"[αa]\.?\s?[εe]\.?", "ae", "jsc"),
    (r"ε\.?\s?π\.?\s?ε\.?", "epe", "llc"),
    (r"ι\.?\s?κ\.?\s?ε\.?", "ike", "llc"),
    (r"(?:pr|p)?at|pr?jsc|(?:пр|п)?ат", "ao", "jsc"),
    (r"tov|тов", "ooo", "llc"),
    (r"a/s", "as", "jsc"),
]
_EXTRA_FORMS = [
    (re.compile(rf"^\W*(?:{p})(?!\w)|(?<!\w)(?:{p})\W*$"), form, generic)
    for p, form, generic in _EXTRA
]
# Compare forms that are one legal form under different spellings across languages.
_SAME_FORM = {"tov": "ltd", "sl": "ltd", "srl": "ltd", "spzoo": "ltd", "epe": "ltd",
              "ike": "ltd", "llc": "ltd", "ooo": "ltd", "gmbh": "ltd", "sarl": "ltd",
              "bv": "ltd", "შპს": "ltd", "sa": "ao", "spa": "ao", "ag": "ao", "ae": "ao",
              "jsc": "ao", "as": "ao", "pjsc": "ao", "oao": "ao", "zao": "ao", "pao": "ao",
              "plc": "ao"}
_STOP_TOKENS = frozenset({"the", "and", "und", "et", "co", "company"})
_APOSTROPHES = dict.fromkeys(map(ord, "'’ʼ`´ʹ\""), None)
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class PreparedName:
    original: str
    core: str  # latinised, legal forms removed, normalised tokens joined by one space
    variants: tuple[str, ...]  # core first, then alternatives (umlauts expanded)
    tokens: tuple[str, ...]
    forms: frozenset[str]  # specific legal forms (``ltd``, ``gmbh``, ``ooo``...)
    form_classes: frozenset[str]  # generic classes (``llc``, ``jsc``...)


def _core(text: str) -> str:
    latin = (ascii_text(text.translate(_APOSTROPHES)) or "").translate(_APOSTROPHES)
    tokens = [t for t in normalize_name(latin).split() if t not in _STOP_TOKENS]
    return " ".join(tokens)


@lru_cache(maxsize=200_000)
def prepare_name(name: str, kind: str = "company") -> PreparedName:
    text = unicodedata.normalize("NFC", name).casefold()
    forms: set[str] = set()
    classes: set[str] = set()
    if kind != "person":
        for matched, form in extract_org_types(text):
            stripped = replace_edge(text, matched, "")
            if stripped is None:
                continue  # "at" in "Station at the Park" is no legal form
            text = stripped
            forms.add(_SAME_FORM.get(form, form))
            classes.add(replace_org_types_compare(matched, generic=True))
        for pattern, form, generic in _EXTRA_FORMS:
            if pattern.search(text):
                forms.add(_SAME_FORM.get(form, form))
                classes.add(generic)
                text = pattern.sub(" ", text)
    core = _core(text)
    variants = [core]
    german = _core(text.translate(_GERMAN))
    if german != core:
        variants.append(german)
    return PreparedName(original=name, core=core, variants=tuple(variants),
                        tokens=tuple(core.split()), forms=frozenset(forms),
                        form_classes=frozenset(classes))

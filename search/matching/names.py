
"""Names made comparable for matching: legal forms set aside, any script latinised.

Legal forms come out first (``search/legal_forms.py``: rigour's organisation types, ISO
20275 and a few procurement spellings, in any script and transliteration), so that
``Acme Construction Ltd`` and ``ACME CONSTRUCTION LIMITED`` compare as ``acme construction``
with a legal-form agreement on the side. The rest is transliterated and tokenised
(``search/text.py``). German names get a second variant with umlauts expanded
(``Müller`` = ``Mueller``), compared as an alternative.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from search.legal_forms import LegalForm, split_forms
from search.text import ascii_text, tokenize

# Compare forms that are one legal form under different spellings across languages.
_SAME_FORM = {"ooo": "ltd", "sl": "ltd", "srl": "ltd", "spzoo": "ltd", "epe": "ltd",
              "ike": "ltd", "lc": "ltd", "llc": "ltd", "gmbh": "ltd", "sarl": "ltd",
              "bv": "ltd", "shps": "ltd", "sa": "ao", "spa": "ao", "ag": "ao", "ae": "ao",
              "jsc": "ao", "as": "ao", "pjsc": "ao", "prat": "ao", "pat": "ao", "at": "ao",
              "oao": "ao", "zao": "ao", "pao": "ao"}
_STOP_TOKENS = frozenset({"the", "and", "und", "et", "co", "company"})
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class PreparedName:
    original: str
    core: str  # latinised, legal forms removed, normalised tokens joined by one space
    variants: tuple[str, ...]  # core first, then alternatives (umlauts expanded)
    tokens: tuple[str, ...]
    forms: frozenset[str]  # specific legal forms (``ltd``, ``gmbh``, ``ooo``...)
    form_classes: frozenset[str]  # generic classes (``llc``, ``jsc``...)


def _core(text: str, kind: str) -> tuple[str, tuple[LegalForm, ...]]:
    if kind == "person":
        tokens: tuple[str, ...] = tuple(tokenize(ascii_text(text).lower()))
        forms: tuple[LegalForm, ...] = ()
    else:
        tokens, head, tail = split_forms(text)
        forms = head + tail
    return " ".join(t for t in tokens if t not in _STOP_TOKENS), forms


@lru_cache(maxsize=200_000)
def prepare_name(name: str, kind: str = "company") -> PreparedName:
    text = unicodedata.normalize("NFC", name).casefold()
    core, found = _core(text, kind)
    variants = [core]
    german, _ = _core(text.translate(_GERMAN), kind)
    if german != core:
        variants.append(german)
    return PreparedName(original=name, core=core, variants=tuple(variants),
                        tokens=tuple(core.split()),
                        forms=frozenset(_SAME_FORM.get(f.code, f.code) for f in found),
                        form_classes=frozenset(f.generic for f in found))


"""Names made comparable for matching: legal forms set aside, any script latinised.

Legal forms come out first (``search/legal_forms.py``: rigour's organisation types, ISO
20275 and a few procurement spellings, in any script and transliteration), so that
``Acme Construction Ltd`` and ``ACME CONSTRUCTION LIMITED`` compare as ``acme construction``
with a legal-form agreement on the side. The rest is transliterated and tokenised
(``search/text.py``), abbreviations spelt out, number words written as digits. Each name
also has alternative spellings, compared too: umlauts expanded (``Müller`` = ``Mueller``),
transliteration systems folded (``Yuliia`` = ``Yuliya``), and its words written together
(``Good Will`` = ``Goodwill``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from search.legal_forms import LegalForm, lookup, split_forms
from search.text import ascii_text, fold_latin, tokenize

# Compare forms that are one legal form under different spellings across languages.
_SAME_FORM = {"ooo": "ltd", "sl": "ltd", "srl": "ltd", "spzoo": "ltd", "epe": "ltd",
              "ike": "ltd", "lc": "ltd", "llc": "ltd", "gmbh": "ltd", "sarl": "ltd",
              "bv": "ltd", "shps": "ltd", "sa": "ao", "spa": "ao", "ag": "ao", "ae": "ao",
              "jsc": "ao", "as": "ao", "pjsc": "ao", "prat": "ao", "pat": "ao", "at": "ao",
              "oao": "ao", "zao": "ao", "pao": "ao"}
_STOP_TOKENS = frozenset({"the", "and", "und", "et", "y", "e", "u", "co", "company"})
# Abbreviations registers and procurement systems both use (``Int'l`` loses its apostrophe
# in the tokeniser).
_ABBREVIATIONS = {"intl": "international", "natl": "national", "mfg": "manufacturing",
                  "bros": "brothers", "svcs": "services", "svc": "services",
                  "assoc": "association", "assn": "association", "dept": "department",
                  "univ": "university", "corp": "corporation", "tech": "technology",
                  "mgmt": "management", "eng": "engineering", "engg": "engineering",
                  "constr": "construction", "dev": "development", "ind": "industries",
                  "inds": "industries", "invest": "investment", "hldgs": "holdings",
                  "hldg": "holding", "grp": "group", "ctr": "centre", "center": "centre"}
_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
          "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_ORDINAL_UNITS = ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                  "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth",
                  "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth",
                  "nineteenth"]
_NUMBER_WORDS = {w: i for i, w in enumerate(_UNITS)} | {w: i for i, w in
                                                         enumerate(_ORDINAL_UNITS)}
_NUMBER_WORDS |= {w: 10 * i for i, w in enumerate(_TENS) if w}
_NUMBER_WORDS |= {w[:-1] + "ieth": 10 * i for i, w in enumerate(_TENS) if w}
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
# A legal form glued to the name in capitals (``SiemensAG``, ``AcmeGmbH``).
_GLUED_FORM = re.compile(r"(?<=[a-z])([A-Z][A-Za-z]{0,4}\.?)$")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class PreparedName:
    original: str
    core: str  # latinised, legal forms removed, normalised tokens joined by one space
    variants: tuple[str, ...]  # core first, then alternatives (umlauts expanded)
    tokens: tuple[str, ...]
    forms: frozenset[str]  # specific legal forms (``ltd``, ``gmbh``, ``ooo``...)
    form_classes: frozenset[str]  # generic classes (``llc``, ``jsc``...)


def _numbers(tokens: list[str]) -> list[str]:
    """Number words and ordinals as digits: ``Forty-Four`` -> ``44``, ``1st``/``First`` -> ``1``."""
    out: list[str] = []
    tens_open = False  # the last token was a round ten that a unit may complete
    for token in tokens:
        m = _ORDINAL_DIGITS.match(token)
        value = int(m.group(1)) if m else _NUMBER_WORDS.get(token)
        if value is None:
            out.append(token)
            tens_open = False
        elif tens_open and value < 10:
            out[-1] = str(int(out[-1]) + value)
            tens_open = False
        else:
            out.append(str(value))
            tens_open = m is None and value >= 20 and value % 10 == 0
    return out


def _core(text: str, kind: str) -> tuple[str, tuple[LegalForm, ...]]:
    if kind == "person":
        tokens: tuple[str, ...] = tuple(tokenize(ascii_text(text).lower()))
        forms: tuple[LegalForm, ...] = ()
    else:
        tokens, head, tail = split_forms(text)
        forms = head + tail
    words = [_ABBREVIATIONS.get(t, t) for t in tokens if t not in _STOP_TOKENS]
    return " ".join(_numbers(words) if kind != "person" else words), forms


def _unglue(name: str) -> str:
    m = _GLUED_FORM.search(name.strip())
    if m and lookup(m.group(1)) is not None:
        return name.strip()[:m.start()] + " " + m.group(1)
    return name


@lru_cache(maxsize=200_000)
def prepare_name(name: str, kind: str = "company") -> PreparedName:
    text = unicodedata.normalize("NFC", name if kind == "person" else _unglue(name)).casefold()
    core, found = _core(text, kind)
    variants = [core]
    german, _ = _core(text.translate(_GERMAN), kind)
    tokens = core.split()
    # Other transliteration systems (``Yuliia``/``Yuliya``), and compounds written together
    # or apart (``Good Will``/``Goodwill``): alternatives the best pair is chosen among.
    for variant in (german, " ".join(fold_latin(t) for t in tokens),
                    "".join(tokens) if len(tokens) > 1 else core):
        if variant not in variants:
            variants.append(variant)
    return PreparedName(original=name, core=core, variants=tuple(variants),
                        tokens=tuple(tokens),
                        forms=frozenset(_SAME_FORM.get(f.code, f.code) for f in found),
                        form_classes=frozenset(f.generic for f in found))

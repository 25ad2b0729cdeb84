"""Realistic generated names for the benchmarks: a few thousand distinct words drawn with a
Zipf-like frequency (a handful are in most names, most are rare, as in a real register),
trade words, legal forms per country, persons, and Cyrillic and Greek script for some
countries. Deterministic for a seed.
"""

from __future__ import annotations

import itertools
import random
from bisect import bisect
from dataclasses import dataclass

ONSETS = ["", "b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "k", "kr", "l", "m", "n",
          "p", "pr", "r", "s", "sh", "st", "t", "tr", "v", "w", "z"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ou", "ia"]
CODAS = ["", "n", "r", "s", "l", "m", "nd", "rt", "x", "ck"]
TRADES = [
    "construction", "engineering", "logistics", "services", "consulting", "systems", "solutions",
    "energy", "infrastructure", "builders", "contractors", "developments", "holdings", "trading",
    "supplies", "medical", "catering", "security", "cleaning", "transport", "technologies",
    "networks", "utilities", "waste", "roads", "paving", "facilities", "property", "management",
    "design", "architecture", "surveying", "group", "international", "partners", "capital",
    "industries", "foods", "textiles", "pharma", "software",
]
FORMS = {"GB": ["Limited", "Ltd", "Ltd.", "PLC", "LLP"], "DE": ["GmbH", "AG", "GmbH & Co. KG"],
         "FR": ["SARL", "SAS", "SA"], "ES": ["S.L.", "S.A."], "IT": ["S.r.l.", "S.p.A."],
         "PL": ["sp. z o.o.", "S.A."], "UA": ["ТОВ", "ПАТ", "ПП"], "GR": ["Α.Ε.", "Ε.Π.Ε."],  # noqa: RUF001
         "US": ["Inc.", "LLC", "Corp."]}
COUNTRY_WEIGHTS = {"GB": 30, "DE": 15, "FR": 12, "ES": 8, "IT": 8, "PL": 7, "UA": 10, "GR": 4,
                   "US": 6}
SCRIPT = {"UA": "cyrillic", "GR": "greek"}
FIRST = ["John", "Maria", "Hans", "Elena", "Carmen", "Jürgen", "Ana", "Sophie", "Luca",
         "James", "Anna", "Peter", "Olga", "Marek", "Giulia", "Pierre", "Nikos", "Eleni",
         "Oleksandr", "Iryna", "Petro", "Ivan", "Katarzyna", "José", "Lucía", "Thomas"]
_CYR = dict(zip("abcdefghijklmnopqrstuvwxyz", "абкдефгхіжклмнопкрстуввксз", strict=True))
_GRK = dict(zip("abcdefghijklmnopqrstuvwxyz", "αβκδεφγηιζκλμνοπκρστυββξυζ", strict=True))


def _vocabulary(size: int, rng: random.Random) -> list[str]:
    words = {o + v + c + o2 + v2 for o, v, c, o2, v2 in itertools.product(
        ONSETS, VOWELS, CODAS, ONSETS[1:8], VOWELS[:4])}
    ordered = sorted(w for w in words if 4 <= len(w) <= 11)
    rng.shuffle(ordered)
    return ordered[:size]


def transliterate(word: str, country: str) -> str:
    table = {"cyrillic": _CYR, "greek": _GRK}.get(SCRIPT.get(country, ""))
    return "".join(table.get(ch, ch) for ch in word) if table else word


@dataclass
class NameGenerator:
    """``company()`` / ``person()`` -> (name, country); words by Zipf rank (s = 1)."""

    seed: int = 7
    words: int = 4000

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.vocab = _vocabulary(self.words, random.Random(1))
        self.cum = list(itertools.accumulate(1.0 / (r + 1) for r in range(len(self.vocab))))
        self.countries = list(COUNTRY_WEIGHTS)
        self.ccum = list(itertools.accumulate(COUNTRY_WEIGHTS.values()))

    def word(self) -> str:
        return self.vocab[bisect(self.cum, self.rng.random() * self.cum[-1])]

    def country(self) -> str:
        return self.countries[bisect(self.ccum, self.rng.random() * self.ccum[-1])]

    def company_parts(self) -> tuple[str, str, str]:
        """(country, name without legal form, legal form)."""
        cc = self.country()
        words = [self.word() for _ in range(self.rng.choice([1, 2, 2, 3]))]
        if self.rng.random() < 0.6:
            words.append(self.rng.choice(TRADES))
        name = " ".join(transliterate(w, cc).capitalize() for w in words)
        return cc, name, self.rng.choice(FORMS[cc])

    def company(self) -> tuple[str, str]:
        cc, name, form = self.company_parts()
        # Ukrainian and Greek registers put the legal form first.
        return (f"{form} {name}" if cc in SCRIPT else f"{name} {form}"), cc

    def person(self) -> tuple[str, str]:
        cc = self.country()
        surname = transliterate(self.word(), cc).capitalize()
        return f"{self.rng.choice(FIRST)} {surname}", cc

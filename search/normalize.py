"""Name normalisation: the one place where names are made comparable.

Used by both search backends (stored in ``entity_names.normalized`` and the OpenSearch
documents, and applied to every query) and by linking. The steps:

1. Legal forms at the edges of a name are found in any spelling (``search/legal_forms.py``:
   rigour's organisation types and ISO 20275, national-language, transliterated, one typo
   away) and written as their *generic* class, so that ``Ltd`` = ``Limited`` = ``LLC``,
   ``GmbH`` = ``Gesellschaft mit beschränkter Haftung``, ``ТОВ`` = ``TOV`` =
   ``Товариство з обмеженою відповідальністю`` all become ``llc``.
2. Every script is transliterated to ASCII (``search/text.py``: ``Коваленко`` ->
   ``kovalenko``), which also folds accents (``Müller`` -> ``muller``). A Latin query
   therefore finds a Cyrillic name and back, because both sides meet in the same Latin form.
3. Punctuation and symbols become token breaks, case is folded, spaces are squeezed.
"""

from __future__ import annotations

import functools

from .legal_forms import split_forms
from .text import metaphone


@functools.lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """The comparable form of a name: generic legal forms, ASCII, lower case, tokens
    separated by single spaces. Empty when nothing comparable remains."""
    if not name:
        return ""
    tokens, head, tail = split_forms(name)
    return " ".join([*(f.generic for f in head), *tokens, *(f.generic for f in tail)])


def name_tokens(name: str) -> list[str]:
    """The tokens of the normalised name."""
    return normalize_name(name).split()


def legal_forms(name: str) -> list[str]:
    """The generic legal forms found in a name (``["llc"]`` for ``ТОВ ...`` or ``... Ltd``),
    for linking to use as a feature (two names with different forms are weaker matches)."""
    _, head, tail = split_forms(name)
    return [f.generic for f in head + tail]


def core_name(name: str) -> str:
    """The normalised name without its legal forms: the distinctive part
    (``Acme Construction Limited`` -> ``acme construction``). Falls back to the full
    normalised name when the name is nothing but a legal form."""
    tokens, _, _ = split_forms(name)
    return " ".join(tokens) or normalize_name(name)


def phonetic_tokens(name: str) -> list[str]:
    """Metaphone codes of the distinctive tokens, for sound-alike matching in linking."""
    return [code for t in core_name(name).split() if not t.isdigit()
            for code in [metaphone(t)] if code]

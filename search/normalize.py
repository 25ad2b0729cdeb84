"""Name normalisation: the one place where names are made comparable.

Used by both search backends (stored in ``entity_names.normalized`` and the OpenSearch
documents, and applied to every query) and by linking. The steps, each from the field's
libraries rather than hand-written tables:

1. Legal forms are canonicalised with rigour's org-type database (ISO 20275 and more), in
   their *generic* form, so that ``Ltd`` = ``Limited`` = ``LLC``, ``GmbH`` =
   ``Gesellschaft mit beschränkter Haftung``, ``ТОВ`` = ``TOV`` =
   ``Товариство з обмеженою відповідальністю`` all become ``llc``. This runs before
   transliteration (the database knows ``ТОВ`` and ``ООО`` in Cyrillic) and once more after
   it (for Latin spellings of the same forms).
2. Every script is transliterated to ASCII (rigour's transliteration, which spells
   Ukrainian and Russian the way passports do: ``Коваленко`` -> ``kovalenko``), which also
   folds accents (``Müller`` -> ``muller``). A Latin query therefore finds a Cyrillic name
   and back, because both sides meet in the same Latin form.
3. Punctuation and symbols become token breaks (rigour's name tokeniser), case is folded,
   spaces are squeezed.
"""

from __future__ import annotations

import functools

from rigour.names import (
    extract_org_types,
    remove_org_types,
    tokenize_name,
)
from rigour.text import ascii_text, metaphone

_EDGE = " .,;:-_«»\"'()[]"


def replace_edge(text: str, matched: str, replacement: str) -> str | None:
    """``text`` with ``matched`` replaced where it stands at the start or the end, else None.

    Legal forms stand at the edges of a name; the same letters inside it are words
    (``at`` in ``Station at the Park`` is no Estonian joint-stock company)."""
    trimmed = text.strip(_EDGE)
    matched = matched.strip(_EDGE)
    if not matched:
        return None
    if trimmed.startswith(matched) and (len(trimmed) == len(matched)
                                        or not trimmed[len(matched)].isalnum()):
        return replacement + trimmed[len(matched):]
    if trimmed.endswith(matched) and (len(trimmed) == len(matched)
                                      or not trimmed[-len(matched) - 1].isalnum()):
        return trimmed[:-len(matched)] + replacement
    return None


def _forms(text: str) -> str:
    for matched, generic in extract_org_types(text, generic=True):
        replaced = replace_edge(text, matched, f" {generic} ")
        if replaced is not None:
            text = replaced
    return text


@functools.lru_cache(maxsize=65536)
def normalize_name(name: str) -> str:
    """The comparable form of a name: generic legal forms, ASCII, lower case, tokens
    separated by single spaces. Empty when nothing comparable remains."""
    if not name:
        return ""
    folded = name.casefold()
    text = _forms(folded)
    if not text.isascii():
        text = ascii_text(text).lower()
        text = _forms(text)
    return " ".join(tokenize_name(text))


def name_tokens(name: str) -> list[str]:
    """The tokens of the normalised name."""
    return normalize_name(name).split()


def legal_forms(name: str) -> list[str]:
    """The generic legal forms found in a name (``["llc"]`` for ``ТОВ ...`` or ``... Ltd``),
    for linking to use as a feature (two names with different forms are weaker matches)."""
    folded = name.casefold()
    found = [target for _, target in extract_org_types(folded, generic=True)]
    if not found and not folded.isascii():
        found = [t for _, t in extract_org_types(ascii_text(folded).lower(), generic=True)]
    return found


def core_name(name: str) -> str:
    """The normalised name without its legal forms: the distinctive part
    (``Acme Construction Limited`` -> ``acme construction``). Falls back to the full
    normalised name when the name is nothing but a legal form."""
    folded = name.casefold()
    text = remove_org_types(folded, replacement=" ")
    if not text.isascii():
        text = remove_org_types(ascii_text(text).lower(), replacement=" ")
    core = " ".join(tokenize_name(text))
    return core or normalize_name(name)


def phonetic_tokens(name: str) -> list[str]:
    """Metaphone codes of the distinctive tokens, for sound-alike matching in linking."""
    return [code for t in core_name(name).split() if not t.isdigit()
            for code in [metaphone(t)] if code]

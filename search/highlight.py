"""Highlights: which words of a stored name the query matched, marked with ``<em>``.

Done here rather than by each engine so that both backends mark the same words, and so
that a Latin query highlights the words of a Cyrillic name (each word is compared in its
normalised, transliterated form, with the same typo tolerance as the search).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from rapidfuzz import fuzz

from .normalize import normalize_name

_WORD = re.compile(r"\w+", re.UNICODE)
MIN_SIMILARITY = 75.0


def _matches(word: str, query_tokens: list[str]) -> bool:
    norm = normalize_name(word)
    if not norm:
        return False
    return any(norm == t or (len(t) > 2 and fuzz.ratio(norm, t) >= MIN_SIMILARITY)
               or (len(t) > 3 and norm.startswith(t)) for t in query_tokens)


def highlight(name: str, query: str) -> str | None:
    """The name, HTML-escaped, with matched words in ``<em>``; None when nothing matched."""
    tokens = normalize_name(query).split()
    if not tokens:
        return None
    out: list[str] = []
    pos = 0
    hit = False
    for m in _WORD.finditer(name):
        out.append(html.escape(name[pos:m.start()]))
        word = m.group(0)
        if _matches(word, tokens):
            out.append(f"<em>{html.escape(word)}</em>")
            hit = True
        else:
            out.append(html.escape(word))
        pos = m.end()
    out.append(html.escape(name[pos:]))
    return "".join(out) if hit else None


def highlight_names(names: Iterable[str], query: str, limit: int = 3) -> dict[str, list[str]]:
    marked = [h for h in (highlight(n, query) for n in dict.fromkeys(names)) if h]
    return {"names": marked[:limit]} if marked else {}

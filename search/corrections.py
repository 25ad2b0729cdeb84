"""Typo correction of query words against the vocabulary of names (migration 0014).

A word of a query that at most one stored name contains (a typo; or, when linking, only
the probe's own name) is read a second and third way: replaced by the known words one typo
away, nearest first. Candidates come from ``name_words``, which holds each word's one-letter
deletions (the symmetric-delete method of SymSpell): two words one typo apart share a
deletion, so a lookup is one index probe per letter, whatever the vocabulary's size.
rapidfuzz's optimal-string-alignment distance orders them (a swap of two neighbouring
letters is one edit, as a typist makes it).

Two round trips per call, whatever the number of queries; callers pass every reading's
keys to the key stage (search/blocking.py), so the typed word still counts.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz.distance import OSA
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

# Must agree with migration 0014 (what the triggers put in name_words).
MIN_WORD = 4
MAX_WORD = 60
# Readings of a query besides the one typed: the nearest correction, and the next one.
READINGS = 2

_RARE = text("""
SELECT t.tok FROM unnest(CAST(:toks AS text[])) AS t(tok)
WHERE (SELECT count(*) FROM (SELECT 1 FROM entity_name_keys k
                             WHERE k.key = 't:' || t.tok LIMIT 2) c) <= 1
""")

_NEAR = text("""
SELECT DISTINCT variant, word FROM name_words WHERE variant = ANY(CAST(:variants AS text[]))
""")


def variants(word: str) -> set[str]:
    """The word and its one-letter deletions (``search_word_variants`` in SQL)."""
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def _nearest(word: str, known: set[str]) -> list[str]:
    return sorted(known, key=lambda k: (OSA.distance(word, k), k))[:READINGS]


async def readings(session: AsyncSession, names: Sequence[str]) -> list[list[str]]:
    """For each normalised name: the name as typed, then up to ``READINGS`` readings with
    its rare words corrected (deduplicated, typed first)."""
    words = {t for n in names for t in n.split() if MIN_WORD <= len(t) <= MAX_WORD}
    out = [[n] if n else [] for n in names]
    if not words:
        return out
    rare = [r[0] for r in await session.execute(_RARE, {"toks": sorted(words)})]
    if not rare:
        return out
    by_variant: dict[str, set[str]] = {}  # variant -> the rare words that have it
    for word in rare:
        for v in variants(word):
            by_variant.setdefault(v, set()).add(word)
    near: dict[str, set[str]] = {w: set() for w in rare}
    for variant, known in await session.execute(_NEAR, {"variants": sorted(by_variant)}):
        for word in by_variant.get(variant, ()):
            if known != word:
                near[word].add(known)
    best = {w: _nearest(w, c) for w, c in near.items() if c}
    if not best:
        return out
    for i, name in enumerate(names):
        tokens = name.split()
        if not any(t in best for t in tokens):
            continue
        for pick in range(READINGS):
            reading = " ".join(best[t][min(pick, len(best[t]) - 1)] if t in best else t
                               for t in tokens)
            if reading not in out[i]:
                out[i].append(reading)
    return out

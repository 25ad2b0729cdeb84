"""The scheme-free key identifiers are *searched* by (not linked by: per-scheme rules live in
``search/identifiers.py``).

A journalist pastes an identifier in any formatting (``GB-COH 01234567``, ``01234567``,
``1234567``, ``gb-coh-1234567``); the stored value may carry the scheme, a remark in
brackets, spaces or leading zeros. Both sides are reduced to upper-case A-Z0-9 without
leading zeros. ``stored_key`` mirrors the SQL function ``search_identifier_key`` (migration
0004) that the PostgreSQL index is built on; a test keeps the two in agreement.
"""

from __future__ import annotations

import re

_BRACKETS = re.compile(r"\([^)]*\)")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
# An org-id.guide scheme at the start of a query: two letters, a dash, a code
# (GB-COH, UA-EDR, XI-LEI, DE-CR), then a separator before the identifier itself.
_SCHEME = re.compile(r"^\s*([A-Za-z]{2}-[A-Za-z0-9]{2,12})(?=[\s:/#-])")
# A key shorter than this (or with no digit) is a word, not an identifier.
MIN_KEY_LENGTH = 4


def _squash(value: str) -> str:
    return _NOT_ALNUM.sub("", _BRACKETS.sub("", value).upper()).lstrip("0")


def stored_key(scheme: str, value: str) -> str:
    """The key of a stored identifier (same result as SQL ``search_identifier_key``)."""
    if scheme and value[: len(scheme)].upper() == scheme.upper():
        value = value[len(scheme):]
    return _squash(value)


def query_keys(query: str) -> list[str]:
    """The identifier keys a free-text query may mean; empty when it cannot be one.

    ``GB-COH 01234567`` gives ``["1234567"]``; ``Acme`` gives ``[]``.
    """
    keys: list[str] = []
    match = _SCHEME.match(query)
    candidates = [query[match.end():]] if match else []
    candidates.append(query)
    for text in candidates:
        key = _squash(text)
        if len(key) >= MIN_KEY_LENGTH and any(ch.isdigit() for ch in key) and key not in keys:
            keys.append(key)
    return keys

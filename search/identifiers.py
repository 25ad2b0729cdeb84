"""Identifier normalisation per scheme (org-id.guide codes): the one place for it.

(Issue 7 adds the per-scheme rules; callers only rely on the signature.)
"""

from __future__ import annotations


def normalize_identifier(scheme: str, value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())

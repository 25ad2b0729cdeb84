"""Name normalisation: the one place where names are made comparable.

Used by both search backends and by linking. (Issue 5 replaces the body with full folding,
transliteration and legal-form handling; callers only rely on the signature.)
"""

from __future__ import annotations

import unicodedata


def normalize_name(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name.casefold())
    kept = "".join(c if c.isalnum() else " " for c in folded if not unicodedata.combining(c))
    return " ".join(kept.split())

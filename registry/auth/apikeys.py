"""API keys: ``rk_<prefix>_<secret>``. The prefix identifies the key (and is shown in
listings); only a SHA-256 of the secret is stored, so the key is shown once, at creation.
A random 256-bit secret needs no slow hash: there is nothing to brute-force."""

from __future__ import annotations

import hashlib
import secrets

KEY_START = "rk_"
SCOPES = ("read", "write")  # write implies read


def new_key() -> tuple[str, str, str]:
    """(prefix, secret, the full key to hand to the user once)."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return prefix, secret, f"{KEY_START}{prefix}_{secret}"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(value: str) -> bool:
    return value.startswith(KEY_START)


def split_key(value: str) -> tuple[str, str] | None:
    if not looks_like_key(value):
        return None
    prefix, sep, secret = value[len(KEY_START):].partition("_")
    if not sep or not prefix or not secret:
        return None
    return prefix, secret

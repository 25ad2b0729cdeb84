"""Passwords, hashed with argon2id (argon2-cffi's recommended parameters)."""

from __future__ import annotations

import asyncio
import secrets
import threading
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_hasher = PasswordHasher()
# Each hash or verification takes 64 MiB for a moment: at most this many at once per
# process, whatever the number of requests (the rest wait their turn in their thread).
HASH_SLOTS = 2
_slots = threading.BoundedSemaphore(HASH_SLOTS)


def hash_password(password: str) -> str:
    with _slots:
        return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        with _slots:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


async def verify_password_async(password_hash: str | None, password: str) -> bool:
    """Verify off the event loop (argon2 is deliberately slow). With no hash (unknown
    account) a dummy is verified, so response times do not reveal which e-mails exist."""
    if password_hash is None:
        await asyncio.to_thread(verify_password, _dummy_hash(), password)
        return False
    return await asyncio.to_thread(verify_password, password_hash, password)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


def password_problem(password: str) -> str | None:
    """Why a new password is not acceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"The password must have at least {MIN_LENGTH} characters."
    if len(password) > 1024:
        return "The password must have at most 1024 characters."
    return None


def generate_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, ~120 bits

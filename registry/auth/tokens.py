"""Access tokens: ``rt1.<payload>.<signature>``, an HMAC-SHA256 over a small JSON payload
(user id, issued at, expiry), signed with a key derived from ``settings.effective_secret_key()``.

Hand-written rather than JWT because PyJWT is not a dependency and the token is only ever
read by this service; the format is versioned (``rt1``) so it can change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

PREFIX = "rt1"
INT64_MAX = 2**63 - 1


class InvalidToken(Exception):
    pass


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    issued_at: int
    expires_at: int


def _key(secret: str) -> bytes:
    # Domain separation: the same secret may sign other things later.
    return hashlib.sha256(b"registry access token\x00" + secret.encode()).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(secret: str, user_id: int, ttl_seconds: int, now: float | None = None) -> str:
    issued = int(time.time() if now is None else now)
    payload = json.dumps({"sub": user_id, "iat": issued, "exp": issued + ttl_seconds},
                         separators=(",", ":")).encode()
    body = f"{PREFIX}.{_b64(payload)}"
    signature = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(signature)}"


def looks_like_token(value: str) -> bool:
    return value.startswith(PREFIX + ".")


def verify_token(secret: str, token: str, now: float | None = None) -> TokenClaims:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise InvalidToken("The token is malformed.")
    expected = hmac.new(_key(secret), f"{parts[0]}.{parts[1]}".encode(),
                        hashlib.sha256).digest()
    try:
        given = _unb64(parts[2])
        payload = json.loads(_unb64(parts[1]))
        values = (payload["sub"], payload["iat"], payload["exp"])
        # Whole numbers in int64 only: a forged payload of 1e400 or 10**400 is malformed,
        # not a crash further down (checked before the signature, which is checked next).
        if not all(type(v) is int and 0 <= v <= INT64_MAX for v in values):
            raise ValueError(values)
        claims = TokenClaims(*values)
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as exc:
        raise InvalidToken("The token is malformed.") from exc
    if not hmac.compare_digest(expected, given):
        raise InvalidToken("The token signature is not valid.")
    if claims.expires_at <= (time.time() if now is None else now):
        raise InvalidToken("The token has expired; request a new one.")
    return claims

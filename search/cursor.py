"""The one codec for every cursor the service hands out, in its two wire forms.

**Opaque** (lists, search): the values of the last row, compact JSON in unpadded
base64url. Decoding checks them against a shape (one type, or a tuple of types, per value;
integers within int64): a cursor this service did not issue raises ``InvalidCursor``, which
each caller answers as a 400 naming its parameter.

**Position** (the change feed's ``since``): non-negative integers joined by ``-``
(``<xid>-<id>``), readable because people copy them from a manifest.

Search sits below the registry, so the codec lives here, where both can import it.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Sequence
from typing import Any

INT64_MAX = 2**63 - 1
MAX_LENGTH = 1_000

Shape = tuple[type | tuple[type, ...], ...]


class InvalidCursor(ValueError):
    """A cursor this service did not issue (the API answers 400 naming the parameter)."""


def encode(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _fits(value: Any, kind: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return (int in (kind if isinstance(kind, tuple) else (kind,))
                and -INT64_MAX <= value <= INT64_MAX)
    return isinstance(value, kind)


def decode(cursor: str, shape: Shape) -> list[Any]:
    """The values of an opaque cursor, checked against ``shape``."""
    if len(cursor) > MAX_LENGTH:
        raise InvalidCursor(cursor[:100])
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, RecursionError) as exc:
        raise InvalidCursor(cursor) from exc
    if (not isinstance(value, list) or len(value) != len(shape)
            or not all(_fits(v, k) for v, k in zip(value, shape, strict=True))):
        raise InvalidCursor(cursor)
    return value


_POSITION = re.compile(r"^(\d{1,20})-(\d{1,20})$")


def encode_position(first: str | int, second: int) -> str:
    return f"{first}-{second}"


def decode_position(cursor: str) -> tuple[int, int]:
    match = _POSITION.match(cursor)
    if not match:
        raise InvalidCursor(cursor)
    return int(match.group(1)), int(match.group(2))

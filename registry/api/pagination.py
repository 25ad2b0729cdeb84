"""Opaque cursors for keyset pagination (DESIGN §4: ``items`` and a ``next`` cursor)."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from .problems import Problem

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

# The paging parameters of every list endpoint, declared once.
PageCursor = Annotated[str | None, QueryParameter(
    description="The `next` value of the previous page; absent for the first page.")]
PageLimit = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT,
                                          description="Items per page.")]


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    next: str | None = None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


INT64_MAX = 2**63 - 1
MAX_CURSOR_LENGTH = 1_000


def _fits(value: Any, kind: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return (int in (kind if isinstance(kind, tuple) else (kind,))
                and -INT64_MAX <= value <= INT64_MAX)
    return isinstance(value, kind)


def decode_cursor(cursor: str | None,
                  shape: tuple[type | tuple[type, ...], ...] = (int,)) -> list[Any] | None:
    """The values of a cursor this API issued, checked against ``shape`` (one type, or a
    tuple of types, per value; ints within int64): anything else is a 400 naming it."""
    if not cursor:
        return None
    bad = Problem(400, "The cursor is not one this API issued.", field="cursor")
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise bad
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, RecursionError) as exc:
        raise bad from exc
    if (not isinstance(value, list) or len(value) != len(shape)
            or not all(_fits(v, k) for v, k in zip(value, shape, strict=True))):
        raise bad
    return value


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise Problem(400, f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    return limit

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


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, json.JSONDecodeError) as exc:
        raise Problem(400, "The cursor is not one this API issued.", field="cursor") from exc
    if not isinstance(value, list):
        raise Problem(400, "The cursor is not one this API issued.", field="cursor")
    return value


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise Problem(400, f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    return limit

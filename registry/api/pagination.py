"""Opaque cursors for keyset pagination (DESIGN §4: ``items`` and a ``next`` cursor)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from search import cursor as cursor_codec

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
    return cursor_codec.encode(values)


INT64_MAX = cursor_codec.INT64_MAX
MAX_CURSOR_LENGTH = cursor_codec.MAX_LENGTH


def decode_cursor(cursor: str | None,
                  shape: cursor_codec.Shape = (int,)) -> list[Any] | None:
    """The values of a cursor this API issued, checked against ``shape`` (one type, or a
    tuple of types, per value; ints within int64): anything else is a 400 naming it."""
    if not cursor:
        return None
    try:
        return cursor_codec.decode(cursor, shape)
    except cursor_codec.InvalidCursor as exc:
        raise _bad() from exc


def _bad() -> Problem:
    return Problem(400, "The cursor is not one this API issued.", field="cursor")


D = TypeVar("D")


def decode_dated_cursor(cursor: str | None,
                        parse: Callable[[str], D]) -> tuple[D | None, int] | None:
    """A cursor ``[date or null, id]`` (lists newest first, undated last): the date read by
    ``parse`` (``date.fromisoformat``, ``datetime.fromisoformat``)."""
    values = decode_cursor(cursor, ((str, type(None)), int))
    if values is None:
        return None
    try:
        date_text, last_id = values
        return (parse(date_text) if date_text is not None else None), int(last_id)
    except (TypeError, ValueError) as exc:
        raise _bad() from exc


def check_limit(limit: int) -> int:
    if limit < 1 or limit > MAX_LIMIT:
        raise Problem(400, f"limit must be between 1 and {MAX_LIMIT}.", field="limit")
    return limit

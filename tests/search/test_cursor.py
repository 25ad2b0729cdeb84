"""The one cursor codec (search/cursor.py): cursors handed out before it still decode, in
each endpoint's wire form, and what the service did not issue is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from registry.api.pagination import decode_cursor, decode_dated_cursor, encode_cursor
from registry.api.problems import Problem
from registry.changes.feed import BadCursor, format_cursor, parse_cursor
from search import backend, cursor

# Cursors as the service wrote them before the codec was shared (pinned literals).
ISSUED: list[tuple[str, list[Any]]] = [
    ("WyIyMDI0LTAzLTAxIiwxN10", ["2024-03-01", 17]),
    ("W251bGwsNV0", [None, 5]),
    ("WzQyXQ", [42]),
    ("WyIyMDI0LTAzLTAxVDEwOjAwOjAwKzAwOjAwIiw5XQ", ["2024-03-01T10:00:00+00:00", 9]),
]


@pytest.mark.parametrize(("wire", "values"), ISSUED)
def test_list_cursors_keep_their_wire_form(wire: str, values: list[Any]) -> None:
    assert encode_cursor(values) == wire
    shape = tuple(int if isinstance(v, int) else (str, type(None)) for v in values)
    assert decode_cursor(wire, shape) == values


def test_dated_cursors() -> None:
    assert decode_dated_cursor("WyIyMDI0LTAzLTAxIiwxN10", dt.date.fromisoformat) == (
        dt.date(2024, 3, 1), 17)
    assert decode_dated_cursor("W251bGwsNV0", dt.date.fromisoformat) == (None, 5)
    assert decode_dated_cursor(None, dt.date.fromisoformat) is None
    stamp = decode_dated_cursor("WyIyMDI0LTAzLTAxVDEwOjAwOjAwKzAwOjAwIiw5XQ",
                                dt.datetime.fromisoformat)
    assert stamp == (dt.datetime(2024, 3, 1, 10, tzinfo=dt.UTC), 9)
    for bad in ("WyJub3QtYS1kYXRlIiwxXQ", "WzQyXQ", "nope", "x" * 2000):
        with pytest.raises(Problem) as caught:
            decode_dated_cursor(bad, dt.date.fromisoformat)
        assert caught.value.field == "cursor"


def test_search_cursors_keep_their_wire_form() -> None:
    assert backend.encode_cursor(0.8731, 42, 20) == "WzAuODczMSw0MiwyMF0"
    assert backend.decode_cursor("WzAuODczMSw0MiwyMF0") == (0.8731, 42, 20)
    refused = [backend.encode_cursor(float("nan"), 1, 20), backend.encode_cursor(1.0, -1, 0),
               backend.encode_cursor(1.0, 2**63, 0), cursor.encode([True, 1, 0]),
               cursor.encode([1.0, 1]), "[" * 5000, "%%%"]
    for bad in refused:
        with pytest.raises(backend.InvalidCursor):
            backend.decode_cursor(bad)


def test_change_feed_positions() -> None:
    assert format_cursor("123", 45) == "123-45"
    assert parse_cursor("123-45") == (123, 45)
    assert parse_cursor(None) == (0, 0)
    for bad in ("123", "1-2-3", "-1-2", "a-b", "1" * 21 + "-1"):
        with pytest.raises(BadCursor):
            parse_cursor(bad)

"""Lines built by PostgreSQL, written to a file as they arrive (``COPY (query) TO STDOUT``).

The bulk writers (:mod:`registry.exports.bulk_bods`, :mod:`registry.exports.bulk_ftm`, JSON
Lines) have the server build each line's text and only move bytes here, so writing a
format costs about what reading its rows costs. The query's one text column is copied in
CSV mode with a delimiter and a quote character (``\\x02``, ``\\x01``) that JSON text never
holds raw (control characters are escaped), so a line is copied verbatim: no unescaping,
no parsing. A value that would have needed quoting (a raw newline, or NULL) would break
that, so it is refused rather than written wrong.
"""

from __future__ import annotations

from typing import IO, Any

_OPTIONS: dict[str, Any] = {"format": "csv", "delimiter": "\x02", "quote": "\x01"}


class LineError(ValueError):
    """A line the server built was not one JSON text on one line."""


async def copy_lines(driver: Any, sql: str, out: IO[bytes], *, separator: bytes = b"\n"
                     ) -> int:
    """Append every row of ``sql`` (one text column) to ``out``, each followed by
    ``separator`` (``b",\\n"`` for the members of a JSON array); returns the row count."""
    comma = separator != b"\n"

    async def sink(chunk: bytes) -> None:
        data = bytes(chunk)
        if b"\x01" in data or b"\n\n" in data or data.startswith(b"\n"):
            raise LineError("a line held a raw newline or was empty")
        out.write(data.replace(b"\n", separator) if comma else data)

    status: str = await driver.copy_from_query(sql, output=sink, **_OPTIONS)
    return int(status.split()[-1])

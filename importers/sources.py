"""Reading source files as a stream of JSON values, whatever the packaging.

A PATH is a file or a directory (read recursively, in name order). JSON arrays, JSON Lines,
single JSON documents, ``.gz`` and ``.zip`` are detected from the content, not trusted from the
name. Memory stays flat: arrays are streamed with ``ijson``; a single document is streamed too
when the caller names the arrays inside it that hold the records (``releases``, ``records``).
A value that cannot be parsed comes out as an ``Item`` with ``error`` set and its position, and
reading goes on with the next one where the format allows it.

``iter_csv_items`` does the same for CSV files with a header row (plain, ``.gz``, or ``.zip``
archives of parts, as registers publish them): each row is a dict keyed by the header names
with surrounding spaces removed, positioned by its line.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson
import msgspec

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class Item:
    path: str  # the file, or "archive.zip:member.json"
    index: int  # 0-based ordinal of the value within its file (for checkpoints)
    position: str  # for people: "line 12", "item 4", "releases item 2"
    value: Any = None
    error: str | None = None


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(
                f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")))
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(f"No such file or directory: {p}")
    return out


def iter_items(
    paths: Iterable[str | Path], *, object_arrays: tuple[str, ...] = ()
) -> Iterator[Item]:
    for path in expand_paths(paths):
        with path.open("rb") as raw:
            yield from _iter_stream(str(path), raw, object_arrays)


def _iter_stream(name: str, raw: IO[bytes], object_arrays: tuple[str, ...]) -> Iterator[Item]:
    head = _peek(raw, 4)
    if head.startswith(GZIP_MAGIC):
        with gzip.GzipFile(fileobj=raw) as gz:
            yield from _iter_stream(name, gz, object_arrays)  # type: ignore[arg-type]
        return
    if head.startswith(ZIP_MAGIC):
        with zipfile.ZipFile(raw) as zf:  # type: ignore[arg-type]
            for member in sorted(zf.namelist()):
                if member.endswith("/") or Path(member).name.startswith("."):
                    continue
                with zf.open(member) as fh:
                    yield from _iter_stream(f"{name}:{member}", fh, object_arrays)
        return
    buffered: Any = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
    first = _first_significant_byte(buffered)
    if first == b"[":
        yield from _iter_array(name, buffered, "item", "item")
    elif first == b"{":
        yield from _iter_object_or_lines(name, buffered, object_arrays)
    elif first == b"":
        return
    else:
        yield Item(name, 0, "byte 0", error="not JSON: expected '[' or '{' at the start")


def _peek(raw: IO[bytes], n: int) -> bytes:
    if hasattr(raw, "peek"):
        return bytes(raw.peek(n)[:n])
    pos = raw.tell()
    data = raw.read(n)
    raw.seek(pos)
    return data


def _first_significant_byte(buf: Any) -> bytes:
    while True:
        chunk = buf.peek(64)
        if not chunk:
            return b""
        stripped = chunk.lstrip(b" \t\r\n\xef\xbb\xbf")
        if stripped:
            return bytes(stripped[:1])
        buf.read(len(chunk))


def _iter_array(name: str, fh: IO[bytes], prefix: str, label: str) -> Iterator[Item]:
    index = 0
    try:
        for value in ijson.items(fh, prefix, use_float=True):
            yield Item(name, index, f"{label} {index + 1}", value=value)
            index += 1
    except ijson.JSONError as exc:
        # The rest of the file cannot be located reliably after a syntax error.
        yield Item(name, index, f"{label} {index + 1}",
                   error=f"invalid JSON ({exc}); the rest of this file was not read")


def _iter_object_or_lines(name: str, buf: Any,
                          object_arrays: tuple[str, ...]) -> Iterator[Item]:
    first_line = buf.peek(1 << 16).split(b"\n", 1)[0]
    try:
        _decode_line(first_line)
        is_lines = True
    except ValueError:
        is_lines = False
    if is_lines:
        yield from _iter_lines(name, buf, object_arrays)
    elif object_arrays:
        yield from _iter_object_arrays(name, buf, object_arrays)
    else:
        try:
            yield Item(name, 0, "document", value=_decode_line(buf.read()))
        except ValueError as exc:
            yield Item(name, 0, "document", error=f"invalid JSON: {exc}")


def _iter_lines(name: str, buf: IO[bytes], object_arrays: tuple[str, ...]) -> Iterator[Item]:
    index = 0
    for lineno, line in enumerate(buf, start=1):
        if not line.strip():
            continue
        try:
            value = _decode_line(line)
        except ValueError as exc:
            yield Item(name, index, f"line {lineno}", error=f"invalid JSON: {exc}")
            index += 1
            continue
        # JSON Lines of packages: unwrap each package's arrays.
        inner = [k for k in object_arrays
                 if isinstance(value, dict) and isinstance(value.get(k), list)]
        if inner:
            for key in inner:
                for n, v in enumerate(value[key]):
                    yield Item(name, index, f"line {lineno} {key} item {n + 1}", value=v)
                    index += 1
        else:
            yield Item(name, index, f"line {lineno}", value=value)
            index += 1


def _decode_line(line: bytes) -> Any:
    """One JSON value. msgspec is about three times faster than the json module (a bulk import's
    reader spends most of its time here) and gives the same values; what
    it refuses (NaN, out-of-range floats, a byte order mark, lone surrogates) is read by json
    as before, so the same lines are accepted and the same errors reported."""
    try:
        return msgspec.json.decode(line)
    except msgspec.DecodeError:
        return json.loads(line)


def _iter_object_arrays(
    name: str, buf: IO[bytes], object_arrays: tuple[str, ...]
) -> Iterator[Item]:
    """Stream the items of the named top-level arrays of one large JSON object."""
    wanted = {f"{k}.item": k for k in object_arrays}
    counts = dict.fromkeys(object_arrays, 0)
    index = 0
    builder: Any = None
    item_prefix = ""
    found = False
    try:
        for prefix, event, value in ijson.parse(buf, use_float=True):
            if prefix in object_arrays and event == "start_array":
                found = True
            if builder is not None:
                builder.event(event, value)
                if prefix == item_prefix and event in ("end_map", "end_array"):
                    key = wanted[item_prefix]
                    counts[key] += 1
                    yield Item(name, index, f"{key} item {counts[key]}", value=builder.value)
                    index += 1
                    builder = None
            elif prefix in wanted and event in ("start_map", "start_array"):
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                item_prefix = prefix
    except ijson.JSONError as exc:
        yield Item(name, index, f"item {index + 1}",
                   error=f"invalid JSON ({exc}); the rest of this file was not read")
        return
    if not found:
        # None of the named arrays: the document is itself a record (one release, say).
        yield _whole_document(name, buf, object_arrays)


MAX_DOCUMENT = 64 << 20  # a single document without the named arrays is read whole


def _whole_document(name: str, buf: Any, object_arrays: tuple[str, ...]) -> Item:
    try:
        buf.seek(0)
        data = buf.read(MAX_DOCUMENT + 1)
    except (OSError, ValueError):
        data = None
    if data is None or len(data) > MAX_DOCUMENT:
        return Item(name, 0, "document", error=(
            f"no {' or '.join(repr(k) for k in object_arrays)} array, and too large to read "
            "as one record"))
    try:
        return Item(name, 0, "document", value=_decode_line(data))
    except ValueError as exc:
        return Item(name, 0, "document", error=f"invalid JSON: {exc}")


def iter_csv_items(paths: Iterable[str | Path]) -> Iterator[Item]:
    """Rows of CSV files (UTF-8, a header row), each as ``{column: value}`` with column names
    and values stripped. A row with more cells than the header is an error item."""
    for path in expand_paths(paths):
        with path.open("rb") as raw:
            yield from _iter_csv_stream(str(path), raw)


def _iter_csv_stream(name: str, raw: IO[bytes]) -> Iterator[Item]:
    head = _peek(raw, 4)
    if head.startswith(GZIP_MAGIC):
        with gzip.GzipFile(fileobj=raw) as gz:
            yield from _iter_csv_stream(name, gz)  # type: ignore[arg-type]
        return
    if head.startswith(ZIP_MAGIC):
        with zipfile.ZipFile(raw) as zf:  # type: ignore[arg-type]
            for member in sorted(zf.namelist()):
                if member.endswith("/") or Path(member).name.startswith("."):
                    continue
                with zf.open(member) as fh:
                    yield from _iter_csv_stream(f"{name}:{member}", fh)
        return
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
    reader = csv.reader(text)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        yield Item(name, 0, "line 1", error=f"unreadable CSV header: {exc}")
        return
    width = len(header)
    index = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Item(name, index, f"line {reader.line_num}", error=f"unreadable CSV: {exc}")
            index += 1
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        if len(cells) > width:
            yield Item(name, index, f"line {reader.line_num}",
                       error=f"{len(cells)} cells, the header has {width}")
        else:
            yield Item(name, index, f"line {reader.line_num}",
                       value={k: v.strip() for k, v in zip(header, cells, strict=False) if k})
        index += 1

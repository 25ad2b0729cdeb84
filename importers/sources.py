"""Reading source files as a stream of JSON values, whatever the packaging.

A PATH is a file or a directory (read recursively, in name order). JSON arrays, JSON Lines,
single JSON documents, ``.gz`` and ``.zip`` are detected from the content, not trusted from the
name. Memory stays flat: arrays are streamed with ``ijson``; a single document is streamed too
when the caller names the arrays inside it that hold the records (``releases``, ``records``).
A value that cannot be parsed comes out as an ``Item`` with ``error`` set and its position, and
reading goes on with the next one where the format allows it.
"""

from __future__ import annotations

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

# Hostile files keep memory constant and are reported, never followed blindly:
SNIFF_BYTES = 1 << 20  # the first line of JSON Lines is looked for in this much
MAX_RECORD_BYTES = 64 << 20  # one line, one value: longer is skipped with its position
MAX_DEPTH = 100  # nesting of one record (deeper is skipped: validators recurse)
MAX_EXPANSION = 1_000  # decompressed bytes per compressed byte (a bomb goes far beyond)
MIN_EXPANDED = 256 << 20  # ... allowed whatever the ratio


class ExpansionLimit(ValueError):
    """A compressed input expands beyond :data:`MAX_EXPANSION` times its size."""


class _Capped(io.RawIOBase):
    """A decompressing stream that refuses to expand beyond a limit."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner, self.limit, self.read_so_far = inner, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise ExpansionLimit(f"expands beyond {self.limit:,} bytes (a compression bomb?)")
        buffer[:len(data)] = data
        return len(data)


def _expansion_limit(compressed: int) -> int:
    return max(MIN_EXPANDED, compressed * MAX_EXPANSION)


def _too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether containers nest deeper than ``limit`` (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        children = (current.values() if isinstance(current, dict)
                    else current if isinstance(current, list) else ())
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


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
            yield from _guarded(str(path), raw, object_arrays, path.stat().st_size)


def _guarded(name: str, raw: IO[bytes], object_arrays: tuple[str, ...],
             size: int) -> Iterator[Item]:
    """The items of one input; a compression bomb ends it with an error item."""
    index = 0
    try:
        for item in _iter_stream(name, raw, object_arrays, size):
            index = item.index + 1
            yield item
    except ExpansionLimit as exc:
        yield Item(name, index, f"item {index + 1}",
                   error=f"{exc}; the rest of this file was not read")


def _iter_stream(name: str, raw: IO[bytes], object_arrays: tuple[str, ...],
                 size: int = 0) -> Iterator[Item]:
    head = _peek(raw, 4)
    if head.startswith(GZIP_MAGIC):
        with gzip.GzipFile(fileobj=raw) as gz:
            capped = io.BufferedReader(_Capped(gz, _expansion_limit(size)))  # type: ignore[arg-type]
            yield from _iter_stream(name, capped, object_arrays)
        return
    if head.startswith(ZIP_MAGIC):
        with zipfile.ZipFile(raw) as zf:  # type: ignore[arg-type]
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                member = info.filename
                if member.endswith("/") or Path(member).name.startswith("."):
                    continue
                with zf.open(member) as fh:
                    capped = io.BufferedReader(_Capped(fh, _expansion_limit(info.compress_size)))
                    yield from _guarded(f"{name}:{member}", capped, object_arrays,
                                        info.compress_size)
        return
    # Always a buffer of our own size: the file's own is 8 KiB, too small to see a whole
    # first line of JSON Lines (which was then read as one document, whole).
    buffered: Any = io.BufferedReader(raw, buffer_size=SNIFF_BYTES)  # type: ignore[arg-type]
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
            if _too_deep(value):
                yield Item(name, index, f"{label} {index + 1}",
                           error=f"nested deeper than {MAX_DEPTH} levels")
            else:
                yield Item(name, index, f"{label} {index + 1}", value=value)
            index += 1
    except ijson.JSONError as exc:
        # The rest of the file cannot be located reliably after a syntax error.
        yield Item(name, index, f"{label} {index + 1}",
                   error=f"invalid JSON ({exc}); the rest of this file was not read")


def _iter_object_or_lines(name: str, buf: Any,
                          object_arrays: tuple[str, ...]) -> Iterator[Item]:
    first_line = buf.peek(SNIFF_BYTES).split(b"\n", 1)[0]
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
        data = buf.read(MAX_RECORD_BYTES + 1)
        if len(data) > MAX_RECORD_BYTES:
            yield Item(name, 0, "document",
                       error=f"one value larger than {MAX_RECORD_BYTES:,} bytes; not read")
            return
        try:
            yield Item(name, 0, "document", value=_decode_line(data))
        except ValueError as exc:
            yield Item(name, 0, "document", error=f"invalid JSON: {exc}")


def _lines(buf: IO[bytes]) -> Iterator[bytes | None]:
    """The lines of ``buf``; ``None`` for one longer than :data:`MAX_RECORD_BYTES`, whose
    bytes are skipped without being kept."""
    while True:
        line = buf.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_RECORD_BYTES and not line.endswith(b"\n"):
            while (rest := buf.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield None
        else:
            yield line


def _iter_lines(name: str, buf: IO[bytes], object_arrays: tuple[str, ...]) -> Iterator[Item]:
    index = 0
    for lineno, line in enumerate(_lines(buf), start=1):
        if line is None:
            yield Item(name, index, f"line {lineno}",
                       error=f"line longer than {MAX_RECORD_BYTES:,} bytes; skipped")
            index += 1
            continue
        if not line.strip():
            continue
        try:
            value = _decode_line(line)
            if _too_deep(value):
                raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
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
        try:
            return msgspec.json.decode(line)
        except msgspec.DecodeError:
            return json.loads(line)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


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

"""Reading source files as a stream of JSON values, whatever the packaging.

A PATH is a file or a directory (read recursively, in name order). JSON arrays, JSON Lines,
single JSON documents, concatenated JSON texts (several documents one after another, as
``ocdskit`` writes and reads them, and RFC 7464 JSON text sequences, each text after a 0x1E
record separator), ``.gz`` and ``.zip`` are detected from the content, not trusted from the
name. Memory stays flat: arrays and concatenated documents are streamed with ``ijson``; a
document is streamed item by item when the caller names the arrays inside it that hold the
records (``releases``, ``records``). A value that cannot be parsed comes out as an ``Item``
with ``error`` set and its position, and reading goes on with the next one where the format
allows it.

Text is UTF-8 unless the caller names another encoding (any that writes JSON's ASCII syntax
as ASCII: ISO-8859-1, Windows-1252...). A byte that cannot be decoded is reported with its
file and byte offset, and the record that holds it (the line, the release...) is skipped;
the rest is read. Only where the byte breaks the JSON syntax (outside a string) does the
rest of the file go unread, as after any syntax error.

``iter_csv_items`` does the same for CSV files with a header row (plain, ``.gz``, or ``.zip``
archives of parts, as registers publish them): each row is a dict keyed by the header names
with surrounding spaces removed, positioned by its line.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zipfile
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson
import msgspec

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
RS = b"\x1e"  # RFC 7464 record separator: starts each text of a JSON text sequence
BLANK = b" \t\r\n\x1e"  # between JSON texts
DEFAULT_ENCODING = "utf-8"
REPLACEMENT = "\ufffd"  # stands in for a byte that cannot be decoded, until it is reported

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


def check_encoding(encoding: str) -> str:
    """The codec's name for ``encoding``; ValueError when Python does not know it or it does
    not write JSON's syntax as ASCII (UTF-16, UTF-32: JSON exchanged between systems is
    UTF-8, RFC 8259)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}") from None
    probe = b'{"a": [1, "b"]}\n'
    try:
        ascii_compatible = probe.decode(name) == probe.decode("ascii")
    except UnicodeDecodeError:
        ascii_compatible = False
    if not ascii_compatible:
        raise ValueError(f"{encoding!r} does not write JSON's syntax as ASCII; "
                         "convert the file to UTF-8 first")
    return name


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
    paths: Iterable[str | Path], *, object_arrays: tuple[str, ...] = (),
    encoding: str = DEFAULT_ENCODING,
) -> Iterator[Item]:
    encoding = check_encoding(encoding)
    for path in expand_paths(paths):
        with path.open("rb") as raw:
            yield from _guarded(str(path), raw, object_arrays, encoding, path.stat().st_size)


def _guarded(name: str, raw: IO[bytes], object_arrays: tuple[str, ...], encoding: str,
             size: int) -> Iterator[Item]:
    """The items of one input; a compression bomb ends it with an error item."""
    index = 0
    try:
        for item in _iter_stream(name, raw, object_arrays, encoding, size):
            index = item.index + 1
            yield item
    except ExpansionLimit as exc:
        yield Item(name, index, f"item {index + 1}",
                   error=f"{exc}; the rest of this file was not read")


def _iter_stream(name: str, raw: IO[bytes], object_arrays: tuple[str, ...],
                 encoding: str, size: int = 0) -> Iterator[Item]:
    head = _peek(raw, 4)
    if head.startswith(GZIP_MAGIC):
        with gzip.GzipFile(fileobj=raw) as gz:
            capped = io.BufferedReader(_Capped(gz, _expansion_limit(size)))  # type: ignore[arg-type]
            yield from _iter_stream(name, capped, object_arrays, encoding)
        return
    if head.startswith(ZIP_MAGIC):
        with zipfile.ZipFile(raw) as zf:  # type: ignore[arg-type]
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                member = info.filename
                if member.endswith("/") or Path(member).name.startswith("."):
                    continue
                with zf.open(member) as fh:
                    capped = io.BufferedReader(_Capped(fh, _expansion_limit(info.compress_size)))
                    yield from _guarded(f"{name}:{member}", capped, object_arrays, encoding,
                                        info.compress_size)
        return
    # Always a buffer of our own size: the file's own is 8 KiB, too small to see a whole
    # first line of JSON Lines (which was then read as one document, whole).
    buffered: Any = io.BufferedReader(raw, buffer_size=SNIFF_BYTES)  # type: ignore[arg-type]
    first, skipped = _first_significant_byte(buffered)
    if first == b"[":
        yield from _iter_array(name, Transcoder(buffered, encoding, skipped), "item", "item")
    elif first == b"{":
        yield from _iter_object_or_lines(name, buffered, object_arrays, encoding, skipped)
    elif first == b"":
        return
    else:
        yield Item(name, 0, f"byte {skipped}",
                   error="not JSON: expected '[' or '{' at the start")


def _peek(raw: IO[bytes], n: int) -> bytes:
    if hasattr(raw, "peek"):
        return bytes(raw.peek(n)[:n])
    pos = raw.tell()
    data = raw.read(n)
    raw.seek(pos)
    return data


def _first_significant_byte(buf: Any) -> tuple[bytes, int]:
    """The first byte that is not blank (nor a byte order mark), and the bytes read past."""
    skipped = 0
    while True:
        chunk = buf.peek(64)
        if not chunk:
            return b"", skipped
        stripped = chunk.lstrip(BLANK + b"\xef\xbb\xbf")
        if stripped:
            return bytes(stripped[:1]), skipped
        skipped += len(buf.read(len(chunk)))


class Transcoder(io.RawIOBase):
    """The text of ``raw`` as UTF-8 bytes (what ijson and msgspec read): decoded from
    ``encoding`` (UTF-8 is checked the same way) with record separators read as blanks (0x1E
    cannot occur inside JSON text). A byte that cannot be decoded becomes U+FFFD and where it
    was is queued in ``failures``: the reader skips the record that holds it and reads on.
    With ``whole_lines`` (CSV, whose records cannot be told from their text) reading stops
    there instead: what came before is handed on up to its last line end, then the stream
    ends as if the file did, and ``failure`` says where."""

    CHUNK = 1 << 16

    def __init__(self, raw: IO[bytes], encoding: str, offset: int = 0, *,
                 whole_lines: bool = False) -> None:
        super().__init__()
        self._raw = raw
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)("strict")
        self._offset = offset  # bytes of the source given to the decoder so far
        self._whole_lines = whole_lines
        self._tail = ""  # with whole_lines: the decoded line not handed on yet
        self._out = b""
        self._pos = 0
        self._eof = False
        self.failures: deque[str] = deque()
        self.failure: str | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while self._pos >= len(self._out):
            if self._eof:
                return 0
            self._fill()
        n = min(len(b), len(self._out) - self._pos)
        b[:n] = self._out[self._pos:self._pos + n]
        self._pos += n
        return n

    def _fill(self) -> None:
        data = self._raw.read(self.CHUNK)
        final = not data
        parts: list[str] = []
        while True:
            pending = self._decoder.getstate()[0]
            base = self._offset - len(pending)  # where the decoder's buffer starts
            try:
                parts.append(self._decoder.decode(data, final))
                self._offset += len(data)
                self._eof = final
                break
            except UnicodeDecodeError as exc:
                seen = pending + data  # the decoder's error positions count from its buffer
                failure = decode_failure(self._encoding, base + exc.start,
                                         seen[exc.start:exc.end])
                parts.append(seen[:exc.start].decode(self._encoding))
                if self._whole_lines:
                    self.failure = failure
                    self._eof = True
                    break
                self.failures.append(failure)
                parts.append(REPLACEMENT)
                self._decoder.reset()
                self._offset = base + exc.end
                data = seen[exc.end:]
        text = "".join(parts)
        if self._whole_lines:
            # The line under way is held back until its end is decoded; a failure drops it.
            text = self._tail + text
            cut = len(text) if self._eof and self.failure is None else text.rfind("\n") + 1
            text, self._tail = text[:cut], text[cut:]
        self._out = text.replace("\x1e", " ").encode("utf-8")
        self._pos = 0


def _checked(item: Item, fh: Transcoder) -> Item:
    """``item``, or the report of the bytes in it that could not be decoded (they were read
    as U+FFFD; the queue of failures is in file order, as the items are)."""
    if not fh.failures or item.error is not None:
        return item
    marks = msgspec.json.encode(item.value).count(REPLACEMENT.encode())
    if not marks:
        return item
    failures = [fh.failures.popleft() for _ in range(min(marks, len(fh.failures)))]
    more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return Item(item.path, item.index, item.position, error=failures[0] + more)


def _unclaimed(name: str, index: int, fh: Transcoder) -> Iterator[Item]:
    """Bytes that could not be decoded and no record claimed (U+FFFD was in a record's text
    already, say): reported all the same."""
    while fh.failures:
        yield Item(name, index, "outside the records",
                   error=f"{fh.failures.popleft()}; the records were read")
        index += 1


def decode_failure(encoding: str, offset: int, bad: bytes) -> str:
    return (f"cannot decode as {encoding}: byte 0x{bad[:1].hex().upper() or '??'} at byte "
            f"offset {offset:,} (see --encoding)")


def _decode_line(line: bytes, encoding: str = DEFAULT_ENCODING) -> Any:
    """One JSON value. msgspec is about three times faster than the json module (a bulk import's
    reader spends most of its time here) and gives the same values; what
    it refuses (NaN, out-of-range floats, a byte order mark, lone surrogates) is read by json
    as before, so the same lines are accepted and the same errors reported. A byte that
    cannot be decoded raises UnicodeDecodeError."""
    data: bytes | str = line if encoding == DEFAULT_ENCODING else line.decode(encoding)
    try:
        try:
            return msgspec.json.decode(data)
        except msgspec.DecodeError:
            return json.loads(data)
    except RecursionError as exc:
        raise ValueError("nested too deeply") from exc


def _stream_error(source: Transcoder, exc: ijson.JSONError) -> str:
    """Why a streamed file stopped: a byte that could not be decoded (outside a string, it
    breaks the syntax too), else the syntax."""
    if source.failures:
        return f"{source.failures.popleft()}; the rest of this file was not read"
    return f"invalid JSON ({exc}); the rest of this file was not read"


def _iter_array(name: str, fh: Transcoder, prefix: str, label: str) -> Iterator[Item]:
    """The items of a top-level array (of each, when several arrays follow each other)."""
    index = 0
    try:
        for value in ijson.items(fh, prefix, use_float=True, multiple_values=True):
            if _too_deep(value):
                yield Item(name, index, f"{label} {index + 1}",
                           error=f"nested deeper than {MAX_DEPTH} levels")
            else:
                yield _checked(Item(name, index, f"{label} {index + 1}", value=value), fh)
            index += 1
    except ijson.JSONError as exc:
        # The rest of the file cannot be located reliably after a syntax error.
        yield Item(name, index, f"{label} {index + 1}", error=_stream_error(fh, exc))
        return
    yield from _unclaimed(name, index, fh)


def _iter_object_or_lines(name: str, buf: Any, object_arrays: tuple[str, ...],
                          encoding: str, offset: int) -> Iterator[Item]:
    first_line = buf.peek(SNIFF_BYTES).split(b"\n", 1)[0].strip(BLANK)
    try:
        _decode_line(first_line, encoding)
        is_lines = True
    except UnicodeDecodeError:
        # A JSON line with a bad byte is still a line: it is reported, the rest is read.
        try:
            json.loads(first_line.decode(encoding, errors="replace"))
            is_lines = True
        except ValueError:
            is_lines = False
    except ValueError:
        is_lines = False
    if is_lines:
        yield from _iter_lines(name, buf, object_arrays, encoding, offset)
    elif object_arrays:
        yield from _iter_object_arrays(name, Transcoder(buf, encoding, offset), object_arrays)
    else:
        yield from _iter_texts(name, Transcoder(buf, encoding, offset))


def _iter_texts(name: str, fh: Transcoder) -> Iterator[Item]:
    """Each JSON text of a file, whole: a lone one is the "document" (BODS refuses a bare
    statement: its files are arrays), several are "text 1", "text 2"..."""
    held: Item | None = None  # one text held back until we know whether another follows
    for item in _iter_array(name, fh, "", "text"):
        if held is not None:
            yield held
        held = item
    if held is not None and held.index == 0:
        held = Item(name, 0, "document", value=held.value, error=held.error)
    if held is not None:
        yield held


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


def _iter_lines(name: str, buf: IO[bytes], object_arrays: tuple[str, ...], encoding: str,
                offset: int) -> Iterator[Item]:
    index = 0
    for lineno, raw in enumerate(_lines(buf), start=1):
        if raw is None:
            yield Item(name, index, f"line {lineno}",
                       error=f"line longer than {MAX_RECORD_BYTES:,} bytes; skipped")
            index += 1
            continue
        start = offset
        offset += len(raw)
        line = raw.strip(BLANK)  # RFC 7464: each text starts with a record separator
        if not line:
            continue
        try:
            value = _decode_line(line, encoding)
            if _too_deep(value):
                raise ValueError(f"nested deeper than {MAX_DEPTH} levels")
        except UnicodeDecodeError as exc:
            at = start + len(raw) - len(raw.lstrip(BLANK)) + exc.start
            yield Item(name, index, f"line {lineno}",
                       error=decode_failure(encoding, at, bytes(exc.object[exc.start:exc.end])))
            index += 1
            continue
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


def _iter_object_arrays(
    name: str, fh: Transcoder, object_arrays: tuple[str, ...]
) -> Iterator[Item]:
    """Stream the items of the named top-level arrays of each JSON text (one large package,
    or several one after another). A text without them is itself a record (one release,
    say) and comes out whole."""
    wanted = {f"{k}.item": k for k in object_arrays}
    inside = tuple(f"{k}." for k in object_arrays)
    index = 0
    text = 0  # ordinal of the current top-level text
    counts = dict.fromkeys(object_arrays, 0)
    found = False
    rest: Any = None  # the text outside the named arrays: small in a package
    rest_failures: list[str] = []  # bytes that could not be decoded in it
    builder: Any = None
    item_prefix = ""

    def where() -> str:
        return "" if text <= 1 else f"text {text} "

    try:
        for prefix, event, value in ijson.parse(fh, use_float=True, multiple_values=True):
            if builder is not None:
                builder.event(event, value)
                if prefix == item_prefix and event in ("end_map", "end_array"):
                    key = wanted[item_prefix]
                    counts[key] += 1
                    yield _checked(Item(name, index, f"{where()}{key} item {counts[key]}",
                                        value=builder.value), fh)
                    index += 1
                    builder = None
                continue
            if prefix in wanted and event in ("start_map", "start_array"):
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                item_prefix = prefix
                continue
            if prefix in object_arrays or prefix.startswith(inside):
                found = found or (prefix in object_arrays and event == "start_array")
                continue  # scalars in a named array, and its brackets
            if prefix == "" and event == "map_key" and value in object_arrays:
                continue
            if rest is None:  # a new top-level text
                text += 1
                counts = dict.fromkeys(object_arrays, 0)
                found = False
                rest = ijson.ObjectBuilder()
                rest_failures = []
            rest.event(event, value)
            if isinstance(value, str) and REPLACEMENT in value:
                # Claimed here, in file order, before any record after it can claim it.
                rest_failures += [fh.failures.popleft() for _ in range(
                    min(value.count(REPLACEMENT), len(fh.failures)))]
            if prefix == "" and event not in ("start_map", "start_array", "map_key"):
                label = f"{where()}document".strip()
                if not found:  # the text is the record
                    more = (f" (and {len(rest_failures) - 1} more)"
                            if len(rest_failures) > 1 else "")
                    yield (Item(name, index, label, error=rest_failures[0] + more)
                           if rest_failures else Item(name, index, label, value=rest.value))
                    index += 1
                for failure in rest_failures if found else ():
                    yield Item(name, index, f"{where()}outside the records".strip(),
                               error=f"{failure}; the records were read")
                    index += 1
                rest = None
    except ijson.JSONError as exc:
        yield Item(name, index, f"{where()}item {index + 1}".strip(),
                   error=_stream_error(fh, exc))
        return
    yield from _unclaimed(name, index, fh)


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
    named = all(header)  # no unnamed column to leave out: the row is one zip
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
                       value=dict(zip(header, map(str.strip, cells), strict=False)) if named
                       else {k: v.strip() for k, v in zip(header, cells, strict=False) if k})
        index += 1

"""Importers on hostile files: memory stays flat, the bad part is reported with its position
and the rest is read (importers/core/sources.py, importers/meetings.py)."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from importers.core import sources
from importers.core.sources import iter_items
from importers.meetings import iter_rows


def _lines(*values: object) -> bytes:
    return b"".join((v if isinstance(v, bytes) else json.dumps(v).encode()) + b"\n"
                    for v in values)


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_json_lines_whose_first_line_is_longer_than_a_buffer(tmp_path: Path) -> None:
    big = {"id": 1, "names": ["x" * 100 for _ in range(1_000)]}  # ~100 KiB
    path = tmp_path / "big.jsonl"
    path.write_bytes(_lines(big, {"id": 2}, {"id": 3}))
    items = list(iter_items([path]))
    assert [i.error for i in items] == [None, None, None]
    assert [i.value["id"] for i in items] == [1, 2, 3]
    assert [i.position for i in items] == ["line 1", "line 2", "line 3"]


def test_one_enormous_line_is_skipped_with_its_position(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_RECORD_BYTES", 1 << 20)
    path = tmp_path / "huge.jsonl"
    path.write_bytes(_lines({"id": 1}, {"id": 2, "blob": "x" * (3 << 20)}, {"id": 3}))
    items = list(iter_items([path]))
    assert [i.value["id"] if i.value else None for i in items] == [1, None, 3]
    assert items[1].position == "line 2" and "longer than" in (items[1].error or "")


def test_deep_nesting_skips_the_record_and_keeps_importing(tmp_path: Path) -> None:
    lines = tmp_path / "deep.jsonl"
    very_deep = b"[" * 5_000 + b"1" + b"]" * 5_000
    lines.write_bytes(_lines({"id": 1}, very_deep, _nested(150), {"id": 4}))
    items = list(iter_items([lines]))
    assert [i.error is None for i in items] == [True, False, False, True]
    assert [i.position for i in items] == ["line 1", "line 2", "line 3", "line 4"]
    array = tmp_path / "deep.json"
    array.write_text(json.dumps([{"id": 1}, _nested(150), {"id": 3}]))
    items = list(iter_items([array]))
    assert [i.error is None for i in items] == [True, False, True]
    assert items[1].position == "item 2" and "nested deeper" in (items[1].error or "")


def test_compression_bombs_are_cut(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MIN_EXPANDED", 1 << 20)
    monkeypatch.setattr(sources, "MAX_EXPANSION", 100)
    bomb = b"[" + b" " * (40 << 20) + b"]"  # 40 MiB of nothing, a few KiB compressed
    gz = tmp_path / "bomb.json.gz"
    gz.write_bytes(gzip.compress(bomb))
    [item] = list(iter_items([gz]))
    assert "compression bomb" in (item.error or "")
    archive = tmp_path / "bombs.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a-bomb.json", bomb)
        zf.writestr("b-good.jsonl", _lines({"id": 1}, {"id": 2}))
    items = list(iter_items([archive]))
    assert "compression bomb" in (items[0].error or "")
    assert items[0].path.endswith(":a-bomb.json")
    assert [i.value["id"] for i in items[1:]] == [1, 2]  # the next member is read


def test_a_bad_byte_in_a_csv_spoils_its_line_only(tmp_path: Path) -> None:
    path = tmp_path / "diary.csv"
    header = b"id,date,official,institution,registrant,subject\n"
    good = b"%d,2024-01-0%d,Ana,Ministry,Acme,Roads\n"
    path.write_bytes(header + good % (1, 1) + b"2,2024-01-02,An\xff,Ministry,Acme,Roads\n"
                     + good % (3, 3))
    rows = list(iter_rows([str(path)]))
    assert [r.error is None for r in rows] == [True, False, True]
    assert rows[1].position == "line 3" and "official" in (rows[1].error or "")
    assert rows[2].values is not None and rows[2].values["id"] == "3"

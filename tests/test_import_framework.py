"""The shared import machinery: reading any packaging, bulk entity writes, run bookkeeping."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.core.runs import RunRecorder
from importers.core.sources import iter_items
from registry.entities.bulk import EntityRow, upsert_entities
from registry.models import Dataset, Entity, EntityIdentifier, EntityName, ImportError_


def test_reads_arrays_lines_packages_gzip_and_zip(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text(json.dumps([{"n": 1}, {"n": 2}]))
    (tmp_path / "b.jsonl").write_text('{"n": 3}\n{oops\n\n{"n": 4}\n')
    (tmp_path / "c.json").write_text(json.dumps({"uri": "x", "releases": [{"n": 5}, {"n": 6}]},
                                                indent=2))
    with gzip.open(tmp_path / "d.jsonl.gz", "wt") as fh:
        fh.write('{"n": 7}\n')
    with zipfile.ZipFile(tmp_path / "e.zip", "w") as zf:
        zf.writestr("inner.json", json.dumps([{"n": 8}]))
    items = list(iter_items([tmp_path], object_arrays=("releases",)))
    good = [i.value["n"] for i in items if i.error is None]
    assert sorted(good) == [1, 2, 3, 4, 5, 6, 7, 8]
    bad = [i for i in items if i.error]
    assert len(bad) == 1 and bad[0].position == "line 2" and bad[0].path.endswith("b.jsonl")


def test_truncated_array_reports_position_and_keeps_what_came_before(tmp_path: Path) -> None:
    (tmp_path / "t.json").write_text('[{"n": 1}, {"n": 2}, {"n": ')
    items = list(iter_items([tmp_path / "t.json"]))
    assert [i.value for i in items if not i.error] == [{"n": 1}, {"n": 2}]
    assert items[-1].error and items[-1].position == "item 3"


async def _dataset(session: AsyncSession) -> None:
    session.add(Dataset(name="t", title="t", source="test"))
    await session.commit()


async def test_bulk_upsert_inserts_skips_unchanged_and_ignores_older(session: AsyncSession) -> None:
    await _dataset(session)
    t1 = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    t2 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    row = EntityRow(source_key="k1", kind="company", name="Acme Ltd", statement_id="s1",
                    identifiers=[("GB-COH", "01234567")], names=[("ACME", "alternative")],
                    valid_from=t1)
    first = await upsert_entities(session, "t", None, [row])
    await session.commit()
    assert first.inserted == {"k1"} and not first.updated
    again = await upsert_entities(session, "t", None, [row])
    assert again.unchanged == 1 and again.ids == first.ids
    newer = EntityRow(source_key="k1", kind="company", name="Acme Limited", statement_id="s2",
                      valid_from=t2)
    res = await upsert_entities(session, "t", None, [newer])
    assert res.updated == {"k1"}
    older = EntityRow(source_key="k1", kind="company", name="Old Name", statement_id="s0",
                      valid_from=t1)
    res = await upsert_entities(session, "t", None, [older])
    assert res.unchanged == 1
    await session.commit()
    entity = (await session.scalars(select(Entity))).one()
    assert entity.name == "Acme Limited"
    names = (await session.scalars(select(EntityName.name))).all()
    assert names == ["Acme Limited"]  # children replaced with the new version's
    assert await session.scalar(select(func.count()).select_from(EntityIdentifier)) == 0


async def test_bulk_upsert_first_in_a_transaction_rolls_back_with_it(
        session: AsyncSession) -> None:
    """The bulk writer talks to the driver directly; when it comes first in a transaction,
    its COPYs used to commit on their own, before SQLAlchemy had sent BEGIN."""
    await _dataset(session)
    row = EntityRow(source_key="k1", kind="company", name="Acme Ltd", statement_id="s1",
                    identifiers=[("GB-COH", "01234567")])
    assert not session.in_transaction()
    await upsert_entities(session, "t", None, [row])
    await session.rollback()
    for model in (Entity, EntityName, EntityIdentifier):
        assert await session.scalar(select(func.count()).select_from(model)) == 0, model


async def test_run_resumes_after_the_last_checkpoint(session: AsyncSession) -> None:
    await _dataset(session)
    run = await RunRecorder.start(session, dataset="t", source="test", paths=["f"])
    for i in range(3):
        run.mark("f", i)
    run.skip("f", "line 3", "missing id: recordId")
    await run.checkpoint(session)
    # the process dies here; a new run over the same input picks up
    again = await RunRecorder.start(session, dataset="t", source="test", paths=["f"])
    assert again.id == run.id
    assert [again.should_skip("f", i) for i in range(5)] == [True, True, True, False, False]
    await again.finish(session)
    errors = (await session.scalars(select(ImportError_))).all()
    assert [(e.position, e.reason) for e in errors] == [("line 3", "missing id: recordId")]
    fresh = await RunRecorder.start(session, dataset="t", source="test", paths=["f"])
    assert fresh.id != run.id and not fresh.should_skip("f", 0)


def test_concatenated_texts_and_json_text_sequences(tmp_path: Path) -> None:
    """Several JSON texts one after another (ocdskit's concatenated JSON), also as an RFC 7464
    sequence: every text is read, not only the first."""
    packages = [{"uri": "a", "releases": [{"n": 1}, {"n": 2}]},
                {"uri": "b", "releases": [{"n": 3}]}]
    (tmp_path / "a.json").write_text("".join(json.dumps(p, indent=2) for p in packages)
                                     + json.dumps({"n": 4}, indent=2))
    (tmp_path / "b.json").write_bytes(b"".join(b"\x1e" + json.dumps(p, indent=1).encode()
                                               + b"\n" for p in packages))
    (tmp_path / "c.jsonl").write_bytes(b"\x1e" + json.dumps({"n": 5}).encode() + b"\n")
    (tmp_path / "d.json").write_text(json.dumps([{"n": 6}]) + "\n" + json.dumps([{"n": 7}]))
    items = list(iter_items([tmp_path], object_arrays=("releases",)))
    assert not [i.error for i in items if i.error]
    assert [(Path(i.path).name, i.position, i.value["n"]) for i in items] == [
        ("a.json", "releases item 1", 1), ("a.json", "releases item 2", 2),
        ("a.json", "text 2 releases item 1", 3), ("a.json", "text 3 document", 4),
        ("b.json", "releases item 1", 1), ("b.json", "releases item 2", 2),
        ("b.json", "text 2 releases item 1", 3),
        ("c.jsonl", "line 1", 5), ("d.json", "item 1", 6), ("d.json", "item 2", 7)]
    # Without named arrays (BODS, PSC) each text is one value.
    (tmp_path / "e.json").write_text(json.dumps({"n": 8}, indent=2) * 2)
    assert [(i.position, i.value) for i in iter_items([tmp_path / "e.json"])] == [
        ("text 1", {"n": 8}), ("text 2", {"n": 8})]


def test_encodings_and_bytes_that_cannot_be_decoded(tmp_path: Path) -> None:
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'[{"t": "M\xe1laga"},\n {"t": "C\xe1diz"}]')
    assert [i.value["t"] for i in iter_items([latin], encoding="iso-8859-1")] == [
        "Málaga", "Cádiz"]
    # Read as UTF-8, a streamed file skips the record with the bad byte, says where it is,
    # and reads on.
    mixed = tmp_path / "mixed.json"
    mixed.write_bytes(b'[{"t": "ok"},\n {"t": "M\xe1laga"}, {"t": "after"}]')
    items = list(iter_items([mixed]))
    assert [i.value for i in items] == [{"t": "ok"}, None, {"t": "after"}]
    assert items[1].position == "item 2" and items[1].error == (
        "cannot decode as utf-8: byte 0xE1 at byte offset 23 (see --encoding)")
    # Outside a string the byte breaks the syntax too: what came before is kept.
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'[{"t": "ok"},\n {"t"\xe1: "x"}, {"t": "after"}]')
    items = list(iter_items([broken]))
    assert items[0].value == {"t": "ok"} and len(items) == 2
    assert items[1].error == ("cannot decode as utf-8: byte 0xE1 at byte offset 19 "
                              "(see --encoding); the rest of this file was not read")
    # In a gzipped package, the offset is in the decompressed text.
    # Each byte is claimed by the record or the package metadata it is in.
    package = (b'{\n  "uri": "\xfe", "releases": [{"t": "ok"},\n {"t": "\xff"}, {"t": "x"}],'
               b'\n "z": "\xfd"}')
    with gzip.open(tmp_path / "p.json.gz", "wb") as fh:
        fh.write(package)
    items = list(iter_items([tmp_path / "p.json.gz"], object_arrays=("releases",)))
    assert [(i.position, i.value, (i.error or "")[:42]) for i in items] == [
        ("releases item 1", {"t": "ok"}, ""),
        ("releases item 2", None, "cannot decode as utf-8: byte 0xFF at byte "),
        ("releases item 3", {"t": "x"}, ""),
        ("outside the records", None, "cannot decode as utf-8: byte 0xFE at byte "),
        ("outside the records", None, "cannot decode as utf-8: byte 0xFD at byte ")]
    at = package.index(b"\xff")
    assert f"offset {at} " in (items[1].error or "")
    # JSON Lines: only the line with the bad byte is skipped.
    lines = tmp_path / "lines.jsonl"
    lines.write_bytes(b'{"t": "ok"}\n{"t": "M\xe1laga"}\n{"t": "after"}\n')
    items = list(iter_items([lines]))
    assert [i.value for i in items] == [{"t": "ok"}, None, {"t": "after"}]
    at = lines.read_bytes().index(b"\xe1")
    assert items[1].position == "line 2" and items[1].error == (
        f"cannot decode as utf-8: byte 0xE1 at byte offset {at} (see --encoding)")
    assert [i.value["t"] for i in iter_items([lines], encoding="latin-1")] == [
        "ok", "Málaga", "after"]
    with pytest.raises(ValueError, match="ASCII"):
        list(iter_items([lines], encoding="utf-16"))
    with pytest.raises(ValueError, match="unknown encoding"):
        list(iter_items([lines], encoding="klingon"))


def test_transcoder_hands_on_whole_lines_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CSV row cut short by a bad byte is not a row, even when it began in an earlier
    chunk of the file."""
    import io

    from importers.core.sources import Transcoder

    monkeypatch.setattr(Transcoder, "CHUNK", 8)
    data = b"a,b\n1,2\nxyzzy,abcdefgh\xe9ij\nok\n"
    source = Transcoder(io.BytesIO(data), "utf-8", whole_lines=True)
    assert io.BufferedReader(source).read() == b"a,b\n1,2\n"
    assert source.failure is not None and "offset 22 " in source.failure
    source = Transcoder(io.BytesIO(b"a,b\n1,2345678901\n3,4"), "utf-8", whole_lines=True)
    assert io.BufferedReader(source).read() == b"a,b\n1,2345678901\n3,4"
    assert source.failure is None

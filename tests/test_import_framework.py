"""The shared import machinery: reading any packaging, bulk entity writes, run bookkeeping."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import zipfile
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.runs import RunRecorder
from importers.sources import iter_items
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

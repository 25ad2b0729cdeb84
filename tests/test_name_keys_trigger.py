"""The blocking keys trigger (migration 0012 computes them once per distinct normalised name
of a statement): every name row still gets exactly the keys of ``search_name_keys``, when
names repeat within a statement, and after updates and deletes."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.bulk import EntityRow, upsert_entities
from registry.models import Dataset
from tests.name_keys_support import KEYS_MISMATCH


def _rows(version: str, n: int = 30) -> list[EntityRow]:
    # Few distinct names over many rows, and a name shared by name and legal name.
    return [EntityRow(source_key=f"e{i}", kind="company", name=f"Acme Works {i % 4} Ltd",
                      statement_id=version,
                      names=[(f"ACME WORKS {i % 4}", "alternative"), ("Zeta", "alternative")])
            for i in range(n)]


async def _check(session: AsyncSession) -> int:
    extra, missing, total = (await session.execute(text(KEYS_MISMATCH))).one()
    assert (extra, missing) == (0, 0)
    return int(total)


async def test_keys_of_repeated_names_in_one_statement(session: AsyncSession) -> None:
    session.add(Dataset(name="t", title="t", source="test"))
    await session.flush()
    await upsert_entities(session, "t", None, _rows("v1"))
    total = await _check(session)
    assert total > 30 * 2  # every row has keys, not only one row per distinct name

    # A new version of every row replaces its names (delete + insert of entity_names).
    rows = _rows("v2")
    for r in rows[:10]:
        r.name = "Other Name Group"
    await upsert_entities(session, "t", None, rows)
    await _check(session)

    # Updates in place and deletes keep the keys in step as well.
    await session.execute(text("UPDATE entity_names SET normalized = 'renamed thing' "
                               "WHERE id IN (SELECT id FROM entity_names LIMIT 5)"))
    await session.execute(text("DELETE FROM entity_names WHERE id IN "
                               "(SELECT id FROM entity_names ORDER BY id DESC LIMIT 7)"))
    await _check(session)

"""The blocking-key triggers (migrations 0010, 0013) keep ``entity_name_keys`` equal to
``search_name_keys`` of every stored name, through bulk inserts, new versions and deletes."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.bulk import EntityRow, upsert_entities
from registry.models import Dataset

NAMES = ["Acme Acme Construction Ltd", "O'Brien & Sons 12 St", "X Y Z", "", "Müller Straße GmbH",
         "ТОВ Будівельна компанія Дніпро", "ab ab ab", "a" * 250 + " bb"]

_EXPECTED = text("""
    SELECT k.key, n.id, n.entity_id
    FROM entity_names n CROSS JOIN LATERAL unnest(search_name_keys(n.normalized)) AS k(key)
""")
_STORED = text("SELECT key, name_id, entity_id FROM entity_name_keys")


Keys = set[tuple[str, int, int]]


async def _keys(session: AsyncSession) -> tuple[Keys, Keys]:
    expected = {(r.key, r.id, r.entity_id) for r in await session.execute(_EXPECTED)}
    stored = {(r.key, r.name_id, r.entity_id) for r in await session.execute(_STORED)}
    return stored, expected


def _rows(version: str, names: list[str]) -> list[EntityRow]:
    return [EntityRow(source_key=f"k{i}", kind="company", name=name, statement_id=version,
                      names=[(f"{name} Holdings", "alternative")] if i % 2 else [])
            for i, name in enumerate(names)]


async def test_triggers_keep_the_keys_of_every_name(session: AsyncSession) -> None:
    session.add(Dataset(name="keys"))
    await session.commit()
    await upsert_entities(session, "keys", None, _rows("v1", NAMES))
    await session.commit()
    stored, expected = await _keys(session)
    assert len(expected) > 40
    assert stored == expected
    # The 0010 definition's keys of one name (the rules must not change with the triggers).
    assert await session.scalar(text(
        "SELECT search_name_keys('acme acme construction llc')")) == [
        "p:AKM", "p:KNSTRKXN", "p:LK", "q:AKM AKM", "q:AKM KNSTRKXN", "q:KNSTRKXN LK",
        "t:acme", "t:construction", "t:llc"]

    # New versions: names replaced (delete + insert), then renamed in place (update).
    await upsert_entities(session, "keys", None, _rows("v2", list(reversed(NAMES))))
    await session.commit()
    await session.execute(text(
        "UPDATE entity_names SET normalized = normalized || ' renamed' WHERE type = 'legal'"))
    await session.commit()
    stored, expected = await _keys(session)
    assert any(key == "t:renamed" for key, _, _ in stored)
    assert stored == expected

    await session.execute(text("DELETE FROM entity_names WHERE type = 'alternative'"))
    await session.commit()
    stored, expected = await _keys(session)
    assert stored == expected

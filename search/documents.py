"""Entity -> search document: what the OpenSearch index holds for one entity.

Read straight from the tables in batches (no ORM objects), so that a rebuild of a million
entities streams at constant memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from .idkey import stored_key
from .normalize import normalize_name

Document = dict[str, Any]

_ENTITIES = """
SELECT e.id, e.kind, e.name, e.country, e.dataset,
       coalesce((SELECT array_agg(n.name ORDER BY n.id) FROM entity_names n
                 WHERE n.entity_id = e.id), '{}') AS names,
       coalesce((SELECT array_agg(n.normalized ORDER BY n.id) FROM entity_names n
                 WHERE n.entity_id = e.id), '{}') AS normalized,
       coalesce((SELECT array_agg(i.scheme ORDER BY i.id) FROM entity_identifiers i
                 WHERE i.entity_id = e.id), '{}') AS schemes,
       coalesce((SELECT array_agg(i.value ORDER BY i.id) FROM entity_identifiers i
                 WHERE i.entity_id = e.id), '{}') AS ident_values
FROM entities e
"""


def make_document(row: Any) -> Document:
    names: list[str] = list(dict.fromkeys([row.name, *row.names]))
    normalized = [n for n in dict.fromkeys([*row.normalized, normalize_name(row.name)]) if n]
    keys = [k for k in dict.fromkeys(stored_key(s, v)
                                     for s, v in zip(row.schemes, row.ident_values, strict=True))
            if k]
    return {
        "entity_id": row.id,
        "kind": row.kind,
        "country": row.country,
        "dataset": row.dataset,
        "name": row.name,
        "names": names,
        "name_norm": normalized,
        "identifiers": [f"{s} {v}" for s, v in zip(row.schemes, row.ident_values, strict=True)],
        "ident_keys": keys,
    }


async def load_documents(session: AsyncSession, entity_ids: Sequence[int]) -> list[Document]:
    """Documents of these entities; ids that no longer exist are simply absent."""
    if not entity_ids:
        return []
    rows = await session.execute(text(_ENTITIES + " WHERE e.id = ANY(:ids)"),
                                 {"ids": list(entity_ids)})
    return [make_document(r) for r in rows]


async def iter_documents(session: AsyncSession, batch: int = 2000
                         ) -> AsyncIterator[list[Document]]:
    """Every entity's document, in id order, ``batch`` at a time (keyset pagination)."""
    after = 0
    while True:
        rows = (await session.execute(
            text(_ENTITIES + " WHERE e.id > :after ORDER BY e.id LIMIT :n"),
            {"after": after, "n": batch})).all()
        if not rows:
            return
        yield [make_document(r) for r in rows]
        after = rows[-1].id

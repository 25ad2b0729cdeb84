"""The public view of one entity in one round trip, for the hot read path.

``GET /api/v1/entities/{id}`` is the most asked-for read. Through the ORM it costs a pool
check, ``BEGIN``, the entity, its names, its identifiers (two ``selectin`` loads) and
``COMMIT``: six round trips and an object graph for one small answer. Here it is one
statement on the read pool (no transaction: a single statement sees one snapshot), with the
names and identifiers aggregated by PostgreSQL, straight into ``EntityOut``: the same shape
and the same fields as ``entity_out`` (``restricted`` is never selected).
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from registry.privacy import public_addresses, public_birth_date

from .schemas import EntityOut, IdentifierOut, NameOut, known_as, status_of

COLUMNS = """
SELECT e.id, e.kind, e.name, e.dataset, e.source_key, e.country, e.jurisdiction,
       e.legal_form, e.addresses::text, e.founding_date, e.dissolution_date, e.birth_date,
       e.nationalities::text, e.is_closed, e.updated_at,
       (SELECT coalesce(json_agg(json_build_array(n.name, n.type, n.valid_from, n.valid_to)
                                 ORDER BY n.id), '[]')
        FROM entity_names n WHERE n.entity_id = e.id)::text,
       (SELECT coalesce(json_agg(json_build_array(i.scheme, i.value, i.uri) ORDER BY i.id),
                        '[]')
        FROM entity_identifiers i WHERE i.entity_id = e.id)::text,
       jsonb_build_object('status', e.data->'status', 'placeholder', e.data->'placeholder',
                          'known_as', e.data->'known_as')::text
FROM entities e
"""
ENTITY = COLUMNS + "WHERE e.id = $1"

_decode = msgspec.json.Decoder(list[Any]).decode


async def entity_out_by_id(pool: asyncpg.Pool, entity_id: int) -> EntityOut | None:
    row = await pool.fetchrow(ENTITY, entity_id)
    return None if row is None else _out(row)


async def entities_out(pool: asyncpg.Pool, *, after_id: int | None, limit: int,
                       kind: str | None = None, dataset: str | None = None,
                       country: str | None = None) -> list[EntityOut]:
    """``GET /api/v1/entities``: the same page as ``service.list_entities``, by id."""
    where: list[str] = []
    args: list[Any] = []
    for column, value in (("e.id >", after_id), ("e.kind =", kind),
                          ("e.dataset =", dataset),
                          ("e.country =", country.upper() if country else None)):
        if value is not None and value != "":
            args.append(value)
            where.append(f"{column} ${len(args)}")
    args.append(limit)
    sql = (COLUMNS + (f"WHERE {' AND '.join(where)} " if where else "")
           + f"ORDER BY e.id LIMIT ${len(args)}")
    return [_out(r) for r in await pool.fetch(sql, *args)]


def _out(row: asyncpg.Record) -> EntityOut:
    (id_, kind, name, dataset, key, country, jurisdiction, legal_form, addresses, founding,
     dissolution, birth, nationalities, closed, updated, names, identifiers, data) = row
    fields = msgspec.json.decode(data)
    # The same public view as ``entity_out`` (registry/privacy.py decides what is public).
    return EntityOut(
        id=id_, kind=kind, name=name, dataset=dataset, keys=[key], country=country,
        jurisdiction=jurisdiction, legal_form=legal_form,
        names=[NameOut(name=n, type=t, valid_from=f, valid_to=to)
               for n, t, f, to in _decode(names)],
        identifiers=[IdentifierOut(scheme=s, id=v, uri=u) for s, v, u in _decode(identifiers)],
        addresses=public_addresses(_decode(addresses or "[]")),
        founding_date=founding, dissolution_date=dissolution, status=status_of(fields),
        birth_date=public_birth_date(birth),
        nationalities=[str(n) for n in _decode(nationalities or "[]")],
        is_closed=closed, updated_at=updated.isoformat() if updated else None,
        known_as=known_as(fields))

"""``/api/v1/entities``: public reads."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery

from registry.api.access import PUBLIC, access
from registry.api.pagination import (
    DEFAULT_LIMIT,
    Page,
    PageCursor,
    PageLimit,
    check_limit,
    decode_cursor,
    encode_cursor,
)
from registry.api.problems import Problem

from .read import entities_out, entity_out_by_id
from .schemas import EntityOut

Kind = Literal["company", "person", "public_body"]


class EntityController(Controller):
    path = "/entities"
    tags = ["entities"]

    @get("/", operation_id="listEntities", opt=access(PUBLIC),
         summary="List entities", description="Keyset-paginated; follow `next`.")
    async def list_entities(
        self, state: State,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
        kind: FromQuery[Kind | None] = None,
        dataset: FromQuery[str | None] = None,
        country: FromQuery[str | None] = None,
    ) -> Page[EntityOut]:
        check_limit(limit)
        after = decode_cursor(cursor)
        after_id = int(after[0]) if after else None
        rows = await entities_out(state.read_pool, after_id=after_id, limit=limit + 1,
                                  kind=kind, dataset=dataset, country=country)
        items = rows[:limit]
        nxt = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
        return Page(items=items, next=nxt)

    @get("/{entity_id:int}", operation_id="getEntity", opt=access(PUBLIC),
         summary="One entity with its names and identifiers")
    async def get_entity(self, state: State, entity_id: FromPath[int]) -> EntityOut:
        entity = await entity_out_by_id(state.read_pool, entity_id)  # one round trip
        if entity is None:
            raise Problem(404, f"No entity with id {entity_id}.", field="entity_id")
        return entity

"""``/api/v1/entities/{id}/owners|owned|graph``: ownership and control as of a date."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.access import PUBLIC, access
from registry.api.dates import check_day
from registry.api.problems import Problem
from registry.api.session import DbSession
from registry.models import Entity

from . import service
from .linked import linked_chains
from .schemas import ChainsOut, GraphOut, chain_entity_ids, chains_out, graph_out

AS_OF = "The date (YYYY-MM-DD) the chains hold on, at the end of that day; default today."


async def _entity(session: AsyncSession, entity_id: int) -> Entity:
    entity = await session.get(Entity, entity_id)
    if entity is None:
        raise Problem(404, f"No entity with id {entity_id}.", field="entity_id")
    return entity


class OwnershipController(Controller):
    path = "/entities"
    tags = ["ownership"]

    @get("/{entity_id:int}/owners", operation_id="getEntityOwners", opt=access(PUBLIC),
         summary="Direct and indirect owners on a date",
         description="Effective shareholdings multiplied along each chain and summed across "
                     "chains, with the chains; declared-unknown owners and cycles reported.")
    async def owners(
        self, db_session: DbSession, entity_id: FromPath[int],
        as_of: Annotated[dt.date | None, QueryParameter(description=AS_OF)] = None,
        max_depth: Annotated[int, QueryParameter(ge=1, le=service.MAX_DEPTH)] = (
            service.DEFAULT_DEPTH),
    ) -> ChainsOut:
        return await self._chains(db_session, entity_id, as_of, max_depth, "owners")

    @get("/{entity_id:int}/owned", operation_id="getEntityHoldings", opt=access(PUBLIC),
         summary="What an entity or person owns, directly and indirectly, on a date")
    async def owned(
        self, db_session: DbSession, entity_id: FromPath[int],
        as_of: Annotated[dt.date | None, QueryParameter(description=AS_OF)] = None,
        max_depth: Annotated[int, QueryParameter(ge=1, le=service.MAX_DEPTH)] = (
            service.DEFAULT_DEPTH),
    ) -> ChainsOut:
        return await self._chains(db_session, entity_id, as_of, max_depth, "owned")

    async def _chains(self, session: AsyncSession, entity_id: int, as_of: dt.date | None,
                      max_depth: int, direction: service.Direction) -> ChainsOut:
        check_day(as_of, "as_of")
        await _entity(session, entity_id)
        chains = await service.chains_as_of(session, entity_id, as_of, max_depth, direction)
        entities = await service.load_entities(session, chain_entity_ids(chains))
        out = chains_out(chains, entities)
        out.linked = await linked_chains(session, entity_id, as_of, max_depth, direction)
        return out

    @get("/{entity_id:int}/graph", operation_id="getEntityOwnershipGraph", opt=access(PUBLIC),
         summary="Ownership graph around an entity, bounded by depth",
         description="Nodes and relationships in force on the date within `depth` steps in "
                     "either direction (component relationships included).")
    async def graph(
        self, db_session: DbSession, entity_id: FromPath[int],
        as_of: Annotated[dt.date | None, QueryParameter(description=AS_OF)] = None,
        depth: Annotated[int, QueryParameter(ge=1, le=5)] = 2,
    ) -> GraphOut:
        check_day(as_of, "as_of")
        await _entity(db_session, entity_id)
        day = as_of or dt.datetime.now(dt.UTC).date()
        graph = await service.graph_as_of(db_session, entity_id, day, depth)
        entities = await service.load_entities(db_session, graph.nodes)
        return graph_out(graph, entity_id, day.isoformat(), depth, entities)

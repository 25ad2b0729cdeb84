"""One search, as the API and the public pages both run it: the backend ranks, the database
supplies the entities (so a page and the API show the same hits)."""

from __future__ import annotations

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.schemas import EntityOut, entity_out
from registry.models import Entity
from search.backend import SearchBackend, SearchQuery


class SearchHitOut(msgspec.Struct):
    entity: EntityOut
    score: float
    # Field -> fragments with the matched words in <em> (HTML-escaped otherwise).
    highlights: dict[str, list[str]]


class SearchPage(msgspec.Struct):
    items: list[SearchHitOut]
    total: int
    # Facet (kind, country, dataset) -> value -> number of matching entities.
    facets: dict[str, dict[str, int]]
    next: str | None = None


async def run_search(session: AsyncSession, backend: SearchBackend,
                     query: SearchQuery) -> SearchPage:
    """Raises ``search.backend.InvalidCursor`` for a cursor the backend did not issue."""
    result = await backend.search(query)
    ids = [h.entity_id for h in result.hits]
    rows = (await session.scalars(select(Entity).where(Entity.id.in_(ids)))).all()
    by_id = {e.id: e for e in rows}
    # An entity deleted since it was indexed is left out (the outbox will drop it).
    items = [SearchHitOut(entity=entity_out(by_id[h.entity_id]), score=h.score,
                          highlights=h.highlights)
             for h in result.hits if h.entity_id in by_id]
    return SearchPage(items=items, total=result.total, facets=result.facets, next=result.next)

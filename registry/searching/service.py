"""One search, as the API and the public pages both run it: the backend ranks, the database
supplies the entities (so a page and the API show the same hits)."""

from __future__ import annotations

import msgspec
from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.schemas import EntityOut, NameOut, entity_out, name_out
from registry.models import Entity
from search.backend import SearchBackend, SearchQuery
from search.matching.names import prepare_name
from search.normalize import normalize_name


class SearchHitOut(msgspec.Struct, omit_defaults=True):
    entity: EntityOut
    score: float
    # Field -> fragments with the matched words in <em> (HTML-escaped otherwise).
    highlights: dict[str, list[str]]
    # The entity's former names the query matched (with their dates): found by a name it
    # no longer has, which a reader must be told.
    former_names: list[NameOut] = []


class SearchPage(msgspec.Struct):
    items: list[SearchHitOut]
    total: int
    # Facet (kind, country, dataset) -> value -> number of matching entities.
    facets: dict[str, dict[str, int]]
    next: str | None = None


def _former(entity: Entity, q: str) -> list[NameOut]:
    """The former names the query fits better than any name the entity has now, legal forms
    set aside (``Ltd`` fits every ``LIMITED``)."""
    former = [n for n in entity.names if n.type == "former"]
    if not former:
        return []
    query = normalize_name(prepare_name(q, entity.kind).core or q)

    def fit(name: str) -> float:
        return float(fuzz.token_set_ratio(
            query, normalize_name(prepare_name(name, entity.kind).core or name)))

    now = max((fit(n.name) for n in entity.names if n.type != "former"), default=0.0)
    return [name_out(n) for n in former if fit(n.name) > now]


async def run_search(session: AsyncSession, backend: SearchBackend,
                     query: SearchQuery) -> SearchPage:
    """Raises ``search.backend.InvalidCursor`` for a cursor the backend did not issue."""
    result = await backend.search(query)
    ids = [h.entity_id for h in result.hits]
    rows = (await session.scalars(select(Entity).where(Entity.id.in_(ids)))).all()
    by_id = {e.id: e for e in rows}
    # An entity deleted since it was indexed is left out (the outbox will drop it).
    items = [SearchHitOut(entity=entity_out(by_id[h.entity_id]), score=h.score,
                          highlights=h.highlights,
                          former_names=_former(by_id[h.entity_id], query.q))
             for h in result.hits if h.entity_id in by_id]
    return SearchPage(items=items, total=result.total, facets=result.facets, next=result.next)

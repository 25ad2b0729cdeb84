"""Ownership of the same party under its other records.

A company is often several records: the register's (named), the PSC snapshot's (named by
its number, holding the owners) and BODS'. Their link cluster (auto and confirmed links,
``registry/links/service.py``) is the canonical party that queries traverse (DESIGN §2), so
the owners of an entity include the chains held by its linked records, each shown as its
own ``ChainsOut`` under ``linked`` (which record holds them stays visible).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from registry.links.service import linked_entities

from . import service
from .schemas import ChainsOut, chain_entity_ids, chains_out

# Records of one party whose chains are read: beyond this a bad link is likely.
LINKED_LIMIT = 20


async def linked_chains(session: AsyncSession, entity_id: int, as_of: dt.date | None,
                        max_depth: int, direction: service.Direction) -> list[ChainsOut]:
    """The chains of each other record linked to ``entity_id`` that has any."""
    out = []
    for other, _ in await linked_entities(session, entity_id, max_nodes=LINKED_LIMIT):
        if other == entity_id:
            continue
        chains = await service.chains_as_of(session, other, as_of, max_depth, direction)
        if not (chains.paths or chains.unspecified):
            continue
        entities = await service.load_entities(session, chain_entity_ids(chains))
        out.append(chains_out(chains, entities))
    return out

"""Reading and deciding links, and walking the canonical parties they form.

Stateless functions; the session is the first argument.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import AuditLog, Entity, Link

PUBLIC_STATUSES = ("auto", "confirmed")  # what anyone may read; the rest is for review
TRAVERSED = ("auto", "confirmed")  # the clusters that queries treat as one party
DECISIONS = ("confirmed", "rejected")


class DecisionError(Exception):
    pass


async def list_links(session: AsyncSession, *, statuses: Sequence[str], after_id: int | None,
                     limit: int, entity_id: int | None = None) -> Sequence[Link]:
    query = select(Link).where(Link.status.in_(statuses)).order_by(Link.id).limit(limit)
    if after_id is not None:
        query = query.where(Link.id > after_id)
    if entity_id is not None:
        query = query.where(or_(Link.left_id == entity_id, Link.right_id == entity_id))
    return (await session.scalars(query)).all()


async def entities_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Entity]:
    if not ids:
        return {}
    rows = await session.scalars(select(Entity).where(Entity.id.in_(ids)))
    return {e.id: e for e in rows}


async def get_link(session: AsyncSession, link_id: int) -> Link | None:
    return await session.get(Link, link_id)


async def decide(session: AsyncSession, link_id: int, *, decision: str, comment: str,
                 user_id: int | None, actor: str) -> Link | None:
    """Record a registrar's decision. Re-runs of the linker never overwrite it, and a
    rejected pair is never proposed again (the pair keeps its row)."""
    if decision not in DECISIONS:
        raise DecisionError(f"decision must be one of {', '.join(DECISIONS)}")
    link = await session.get(Link, link_id, with_for_update=True)
    if link is None:
        return None
    previous = link.status
    link.status = decision
    link.decided_by = user_id
    link.decided_at = dt.datetime.now(dt.UTC)
    link.comment = comment
    if link.method != "human":
        # Keep what the machine said next to the human decision.
        link.evidence = {**link.evidence, "decision": {"previous_status": previous,
                                                       "decision": decision}}
    session.add(AuditLog(actor_id=user_id, actor=actor, action=f"link.{decision}",
                         object_type="link", object_id=str(link.id),
                         details={"previous_status": previous, "comment": comment,
                                  "left_id": link.left_id, "right_id": link.right_id}))
    await session.flush()
    return link


@dataclass(frozen=True, slots=True)
class Hop:
    """One link crossed on the way from the start entity: its evidence goes with it."""

    link_id: int
    from_id: int
    to_id: int
    score: float
    status: str
    method: str
    evidence: dict[str, Any]


async def linked_entities(session: AsyncSession, entity_id: int, *, max_depth: int = 4,
                          max_nodes: int = 200) -> list[tuple[int, list[Hop]]]:
    """The canonical party of ``entity_id``: every entity reachable over ``auto`` and
    ``confirmed`` links (breadth first, so each path is a shortest one), with the path of
    links that connects it. The start entity comes first with an empty path. Bounded in
    depth and size: a runaway cluster (a bad link between two big clusters) must not turn a
    query into a walk over the whole register."""
    paths: dict[int, list[Hop]] = {entity_id: []}
    frontier = [entity_id]
    for _ in range(max_depth):
        if not frontier or len(paths) >= max_nodes:
            break
        # At most this many links a step: a node with 100,000 links is read no further.
        rows = (await session.scalars(
            select(Link).where(Link.status.in_(TRAVERSED),
                               or_(Link.left_id.in_(frontier), Link.right_id.in_(frontier)))
            .order_by(Link.score.desc(), Link.id).limit(max_nodes * 10))).all()
        frontier = extend_paths(paths, frontier, rows, max_nodes)
    return list(paths.items())


def extend_paths(paths: dict[int, list[Hop]], frontier: list[int], links: Iterable[Any],
                 max_nodes: int) -> list[int]:
    """One breadth-first step over ``links`` (best first): the entities reached from
    ``frontier`` for the first time get their path in ``paths``; they are the next frontier.
    Shared by the database walk above and the in-memory one of ``/behind``."""
    nxt: list[int] = []
    current = set(frontier)
    for link in links:
        for here, there in ((link.left_id, link.right_id), (link.right_id, link.left_id)):
            if here in current and there not in paths and len(paths) < max_nodes:
                paths[there] = [*paths[here], Hop(link.id, here, there, link.score,
                                                  link.status, link.method, link.evidence)]
                nxt.append(there)
    return nxt

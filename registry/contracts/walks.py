"""The link clusters and ownership chains of "who is behind a contract", read in bulk.

One request walks the link cluster of the buyer, of each supplier and of each owner, and
the ownership chains of every company linked to a supplier: level by level, entity by
entity, that was about thirty statements. Here one recursive statement reads every link
(or every relationship version, with its interests) the walks could cross, for all their
starts at once, and the walks run in memory, step for step the same as
``registry/links/service.py:linked_entities`` and
``registry/ownership/service.py:chains_as_of`` (the same order, the same bounds and
budgets), so the answer is the same.

What is read is bounded (``LINK_ROWS``, ``RELATIONSHIP_ROWS``): when a bound is hit (a
runaway cluster, a nominee holding thousands of companies) the reader returns None and the
caller walks the database the old way, whose own bounds then apply.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.links.service import TRAVERSED, Hop, extend_paths
from registry.ownership.service import (
    DEFAULT_DEPTH,
    Chains,
    Direction,
    EdgeBudget,
    hops_in_force,
    walk_chains,
)
from registry.ownership.service import Hop as OwnershipHop

LINK_DEPTH = 4  # linked_entities' default depth
LINK_ROWS = 20_000  # (link, level) rows one read may return before falling back
RELATIONSHIP_ROWS = 20_000  # (relationship version, level) rows, likewise

# Every traversed link within LINK_DEPTH steps of a start: the links a breadth-first walk
# from any start can read (those touching entities at most LINK_DEPTH - 1 steps away).
_LINKS = text("""
WITH RECURSIVE walk(id, node, depth) AS (
    SELECT l.id, CASE WHEN l.left_id = s.id THEN l.right_id ELSE l.left_id END, 1
    FROM unnest(CAST(:starts AS bigint[])) AS s(id)
    JOIN links l ON (l.left_id = s.id OR l.right_id = s.id) AND l.status = ANY(:statuses)
  UNION
    SELECT l.id, CASE WHEN l.left_id = w.node THEN l.right_id ELSE l.left_id END,
           w.depth + 1
    FROM walk w
    JOIN links l ON (l.left_id = w.node OR l.right_id = w.node) AND l.status = ANY(:statuses)
    WHERE w.depth < :depth
), read AS (SELECT id FROM walk LIMIT :cap)
SELECT l.id, l.left_id, l.right_id, l.score, l.status, l.method, l.evidence,
       (SELECT count(*) FROM read) AS n
FROM links l WHERE l.id IN (SELECT id FROM read)
""")

# Every version of every relationship up the chains of the starts, to the depth a walk
# reads (the edges of entities DEFAULT_DEPTH steps up show whether a chain goes further),
# following the interested party of any version: the walk picks the version in force.
_RELATIONSHIPS = text("""
WITH RECURSIVE walk(id, party, depth) AS (
    SELECT r.id, r.interested_party_id, 1
    FROM relationships r WHERE r.subject_id = ANY(CAST(:starts AS bigint[]))
  UNION
    SELECT r.id, r.interested_party_id, w.depth + 1
    FROM walk w JOIN relationships r ON r.subject_id = w.party
    WHERE w.depth < :depth
), read AS (SELECT id FROM walk LIMIT :cap)
SELECT r.id, r.dataset, r.source_key, r.statement_id, r.subject_id, r.interested_party_id,
       r.subject_unspecified, r.interested_unspecified, r.component_keys, r.is_component,
       r.is_closed, r.valid_from,
       COALESCE((SELECT json_agg(json_build_array(
                     i.type, i.direct_or_indirect, i.beneficial_ownership_or_control,
                     i.share_exact::text, i.share_min::text, i.share_max::text,
                     i.share_exclusive_min, i.share_exclusive_max, i.start_date,
                     i.end_date, i.details) ORDER BY i.id)
                 FROM interests i WHERE i.relationship_id = r.id), '[]') AS interests,
       (SELECT count(*) FROM read) AS n
FROM relationships r WHERE r.id IN (SELECT id FROM read)
""")


# --- links --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class LinkRow:
    id: int
    left_id: int
    right_id: int
    score: float
    status: str
    method: str
    evidence: dict[str, Any]


class LinkGraph:
    """The links read for a set of starts; walks any entity within them."""

    def __init__(self, rows: Iterable[LinkRow]) -> None:
        self.rows = list(rows)
        self._by_entity: dict[int, list[LinkRow]] = defaultdict(list)
        for link in self.rows:
            self._by_entity[link.left_id].append(link)
            self._by_entity[link.right_id].append(link)

    def cluster(self, entity_id: int, *, max_depth: int = LINK_DEPTH,
                max_nodes: int = 200) -> list[tuple[int, list[Hop]]]:
        """``linked_entities(session, entity_id, max_depth=..., max_nodes=...)``, in
        memory: valid for a start the graph was read for, and max_depth <= LINK_DEPTH."""
        paths: dict[int, list[Hop]] = {entity_id: []}
        frontier = [entity_id]
        for _ in range(max_depth):
            if not frontier or len(paths) >= max_nodes:
                break
            touching = {link.id: link for node in frontier for link in self._by_entity[node]}
            rows = sorted(touching.values(), key=lambda link: (-link.score, link.id))
            frontier = extend_paths(paths, frontier, rows[:max_nodes * 10], max_nodes)
        return list(paths.items())


async def read_links(session: AsyncSession, starts: Iterable[int]) -> LinkGraph | None:
    """The links the clusters of ``starts`` can cross; None past ``LINK_ROWS``."""
    ids = sorted(set(starts))
    if not ids:
        return LinkGraph([])
    rows = (await session.execute(_LINKS, {"starts": ids, "statuses": list(TRAVERSED),
                                           "depth": LINK_DEPTH, "cap": LINK_ROWS})).all()
    if rows and rows[0].n >= LINK_ROWS:
        return None
    return LinkGraph(LinkRow(r.id, r.left_id, r.right_id, r.score, r.status, r.method,
                             r.evidence) for r in rows)


# --- ownership ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class InterestRead:
    type: str
    direct_or_indirect: str | None
    beneficial_ownership_or_control: bool | None
    share_exact: Decimal | None
    share_min: Decimal | None
    share_max: Decimal | None
    share_exclusive_min: bool
    share_exclusive_max: bool
    start_date: dt.date | None
    end_date: dt.date | None
    details: str | None


@dataclass(frozen=True, slots=True)
class RelationshipRead:
    id: int
    dataset: str
    source_key: str
    statement_id: str | None
    subject_id: int | None
    interested_party_id: int | None
    subject_unspecified: dict[str, Any] | None
    interested_unspecified: dict[str, Any] | None
    component_keys: list[Any]
    is_component: bool
    is_closed: bool
    valid_from: dt.datetime | None
    interests: tuple[InterestRead, ...]


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value is not None else None


def _interest(v: list[Any]) -> InterestRead:
    return InterestRead(v[0], v[1], v[2], _decimal(v[3]), _decimal(v[4]), _decimal(v[5]),
                        bool(v[6]), bool(v[7]), _day(v[8]), _day(v[9]), v[10])


class OwnershipGraph:
    """The relationship versions read up the chains of a set of starts."""

    def __init__(self, rows: Iterable[RelationshipRead]) -> None:
        self._by_subject: dict[int, list[RelationshipRead]] = defaultdict(list)
        for r in rows:
            if r.subject_id is not None:
                self._by_subject[r.subject_id].append(r)

    async def _read(self, ids: Iterable[int], as_of: dt.date, direction: Direction,
                    budget: EdgeBudget) -> list[OwnershipHop]:
        # edges_as_of, in memory: the same rows in the same order under the same budget.
        assert direction == "owners"
        wanted = list(set(ids))
        if not wanted or budget.remaining <= 0:
            budget.exhausted |= bool(wanted)
            return []
        rows = sorted((r for i in wanted for r in self._by_subject.get(i, ())),
                      key=lambda r: (r.dataset, r.source_key, r.id))
        return hops_in_force(rows[:budget.remaining + 1], as_of, components=False,
                             budget=budget)

    async def chains(self, entity_id: int, as_of: dt.date) -> Chains:
        """``chains_as_of(session, entity_id, as_of)``, in memory: valid for a start the
        graph was read for."""
        return await walk_chains(self._read, entity_id, as_of, DEFAULT_DEPTH, "owners")


async def read_ownership(session: AsyncSession, starts: Sequence[int],
                         ) -> OwnershipGraph | None:
    """The relationships up the chains of ``starts``; None past ``RELATIONSHIP_ROWS``."""
    ids = sorted(set(starts))
    if not ids:
        return OwnershipGraph([])
    rows = (await session.execute(_RELATIONSHIPS, {
        "starts": ids, "depth": DEFAULT_DEPTH + 1, "cap": RELATIONSHIP_ROWS})).all()
    if rows and rows[0].n >= RELATIONSHIP_ROWS:
        return None
    return OwnershipGraph(RelationshipRead(
        r.id, r.dataset, r.source_key, r.statement_id, r.subject_id, r.interested_party_id,
        r.subject_unspecified, r.interested_unspecified, list(r.component_keys or []),
        r.is_component, r.is_closed, r.valid_from,
        tuple(_interest(v) for v in r.interests)) for r in rows)

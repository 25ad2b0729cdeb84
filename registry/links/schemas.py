"""Public shapes of links and of the yente-compatible ``/match``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import msgspec

from registry.entities.schemas import EntityOut
from registry.models import Entity
from registry.ownership.schemas import EntityRef, entity_ref

if TYPE_CHECKING:
    from registry.links.service import Hop


class LinkOut(msgspec.Struct, omit_defaults=True):
    id: int
    left: EntityOut
    right: EntityOut
    score: float
    status: str
    method: str
    matcher_version: str
    evidence: dict[str, Any]
    decided_at: str | None = None
    # Only for registrars: who decided and their comment are review records.
    decided_by: int | None = None
    comment: str | None = None


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["confirmed", "rejected"]
    comment: str


# --- yente /match -------------------------------------------------------------------------

class EntityExample(msgspec.Struct):
    schema_: str = msgspec.field(name="schema")
    properties: dict[str, Any] = {}
    id: str | None = None


class MatchQuery(msgspec.Struct):
    queries: dict[str, EntityExample]
    weights: dict[str, float] = {}  # accepted for compatibility; the model is fixed


class Explanation(msgspec.Struct):
    score: float  # the feature's value
    detail: str | None = None
    weight: float | None = None
    contribution: float | None = None


class ScoredEntity(msgspec.Struct):
    id: str  # the registry entity id, as a string like yente's ids
    caption: str
    schema_: str = msgspec.field(name="schema")
    properties: dict[str, list[str]] = {}
    datasets: list[str] = []
    referents: list[str] = []
    target: bool = False
    first_seen: str | None = None
    last_seen: str | None = None
    last_change: str | None = None
    score: float = 0.0
    match: bool = False
    features: dict[str, float] = {}
    explanations: dict[str, Explanation] = {}
    # The registry's own fields, as on every entity it returns.
    kind: str = ""
    name: str = ""
    dataset: str = ""
    keys: list[str] = []
    status: str | None = None  # what the linker would make of it: auto | candidate | None


class TotalSpec(msgspec.Struct):
    value: int
    relation: str = "eq"


class EntityMatches(msgspec.Struct):
    status: int
    results: list[ScoredEntity]
    total: TotalSpec
    query: EntityExample


class FeatureDoc(msgspec.Struct):
    description: str
    coefficient: float
    url: str | None = None


class MatchResponse(msgspec.Struct):
    responses: dict[str, EntityMatches]
    matcher: dict[str, FeatureDoc]
    limit: int


class LinkHopOut(msgspec.Struct):
    """One link crossed: ``from`` and ``to`` are the same real-world party by this evidence."""

    link_id: int
    from_: EntityRef = msgspec.field(name="from")
    to: EntityRef
    score: float
    status: str  # auto | confirmed
    method: str  # identifier | name | human
    evidence: dict[str, Any]


def link_hops_out(hops: list[Hop], entities: dict[int, Entity]) -> list[LinkHopOut]:
    """A path of links (``links/service.py:linked_entities``) as the public sees it."""
    return [LinkHopOut(link_id=h.link_id, from_=entity_ref(entities[h.from_id]),
                       to=entity_ref(entities[h.to_id]), score=h.score, status=h.status,
                       method=h.method, evidence=h.evidence)
            for h in hops if h.from_id in entities and h.to_id in entities]

"""The one search interface; ``postgres`` and ``opensearch`` implement it (DESIGN §3).

Search serves people (ranked results, facets, highlights); ``candidates`` serves linking (top k
entities by normalised name, filtered by kind and country). Both backends pass the same
contract test suite.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SearchQuery:
    q: str
    kind: str | None = None
    country: str | None = None
    dataset: str | None = None
    limit: int = 20
    cursor: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    entity_id: int
    score: float
    highlights: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: list[Hit]
    facets: dict[str, dict[str, int]]  # facet -> value -> count
    total: int
    next: str | None = None


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    name: str
    kind: str | None = None
    country: str | None = None
    exclude_dataset: str | None = None  # candidates from the other datasets
    limit: int = 10


@dataclass(frozen=True, slots=True)
class Candidate:
    entity_id: int
    score: float  # backend relevance; linking computes its own calibrated score


class SearchBackend(Protocol):
    name: str

    async def search(self, query: SearchQuery) -> SearchResult: ...

    async def candidates(self, query: CandidateQuery) -> list[Candidate]: ...

    async def index_entities(self, entity_ids: Sequence[int]) -> None:
        """(Re)write the documents of these entities; ids that no longer exist are removed."""

    async def health(self) -> bool: ...

"""The one search interface; ``postgres`` and ``opensearch`` implement it (DESIGN §3).

Search serves people (ranked results, facets, highlights); ``candidates`` serves linking (top k
entities by normalised name, filtered by kind and country). Both backends pass the same
contract test suite.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import cursor as cursor_codec
from .cursor import InvalidCursor as InvalidCursor


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
    served_by: str = ""  # the backend that answered (PostgreSQL when OpenSearch is down)


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


# How deep anyone may page: OpenSearch refuses a ``from`` + ``size`` past its
# ``index.max_result_window`` (10,000), and a refused search marked the backend down for
# every caller. Checked before a query reaches any backend.
MAX_RESULT_WINDOW = 10_000


def encode_cursor(score: float, entity_id: int, offset: int) -> str:
    """The position after a hit: results are ordered by score (desc), then id (asc). A
    backend pages by keyset (score, id) or by offset, whichever its engine does right."""
    return cursor_codec.encode([score, entity_id, offset])


def decode_cursor(cursor: str) -> tuple[float, int, int]:
    score, entity_id, offset = cursor_codec.decode(cursor, ((int, float), int, int))
    # Only what a search can page from: a finite score, ids and offsets in 64 bits.
    if not (math.isfinite(score) and entity_id >= 0 and offset >= 0):
        raise InvalidCursor(cursor)
    return float(score), int(entity_id), int(offset)


class IndexedBackend(SearchBackend, Protocol):
    """What the sync worker and ``registry index`` need besides searching."""

    async def rebuild(self, progress: Callable[[int], object] | None = None) -> int:
        """Build a fresh index from the database and switch searches to it; returns the
        number of entities indexed."""

    async def describe(self) -> dict[str, Any]:
        """Backend facts for ``registry index status``."""

    async def close(self) -> None: ...

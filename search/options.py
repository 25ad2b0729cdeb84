"""What search needs to know of the deployment, as plain values: the caller (the registry's
settings, a test, a benchmark) fills them in, so search knows nothing of where they come
from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SearchOptions:
    # None: PostgreSQL answers every search (pg_trgm + full text); a URL: OpenSearch does,
    # with PostgreSQL as its fallback.
    opensearch_url: str | None = None
    # The OpenSearch alias and indices are named ``<prefix>-entities``.
    index_prefix: str = "registry"


class SearchConfig(Protocol):
    """Anything that carries the options: ``SearchOptions``, or a caller's own settings
    object with the same two attributes."""

    @property
    def opensearch_url(self) -> str | None: ...

    @property
    def index_prefix(self) -> str: ...

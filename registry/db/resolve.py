"""Where the database is: ``REGISTRY_DATABASE_URL``, or the embedded server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from registry.settings import Settings

from .embedded import ensure_database, start_embedded
from .engine import normalise_url


@dataclass
class Database:
    url: str
    embedded: Any | None  # the embedded server's handle, kept alive while we run


def resolve_database(settings: Settings) -> Database:
    if settings.database_url:
        return Database(url=normalise_url(settings.database_url), embedded=None)
    server = start_embedded(settings.data_dir)
    return Database(url=ensure_database(server), embedded=server)

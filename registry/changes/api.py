"""``GET /api/v1/changes``: every change to public data, in commit order
(registry/changes/feed.py)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter

from registry.api.access import PUBLIC, access
from registry.api.pagination import MAX_LIMIT
from registry.api.problems import Problem
from registry.api.session import DbSession

from .feed import OBJECT_TABLES, BadCursor, ExpiredCursor, read_changes


class ChangeOut(msgspec.Struct):
    cursor: str
    type: str
    id: int
    dataset: str | None
    keys: list[str]
    action: str  # upsert | delete
    changed_at: dt.datetime


class ChangesPage(msgspec.Struct):
    items: list[ChangeOut]
    next: str  # ask again with since=next; an empty page keeps it unchanged


class ChangeController(Controller):
    path = "/changes"
    tags = ["exports"]

    @get("/", operation_id="listChanges", opt=access(PUBLIC),
         summary="Every change to public data since a cursor, in commit order",
         description="Types: " + ", ".join(OBJECT_TABLES) + ". `action` is `upsert` when "
                     "the object is public now (fetch it), `delete` when it is not. Start "
                     "from a snapshot's `changes_cursor` (manifest.json under /downloads/).")
    async def list_changes(
        self, db_session: DbSession,
        since: Annotated[str | None, QueryParameter(
            description="The `next` of the previous page (or a snapshot's changes_cursor); "
                        "absent: from the beginning")] = None,
        types: Annotated[str | None, QueryParameter(
            description="Comma-separated object types")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT)] = MAX_LIMIT,
    ) -> ChangesPage:
        wanted = None
        if types:
            wanted = sorted({t.strip() for t in types.split(",") if t.strip()})
            unknown = [t for t in wanted if t not in OBJECT_TABLES]
            if unknown:
                raise Problem(400, f"Unknown type(s) {', '.join(unknown)}; one of: "
                              + ", ".join(OBJECT_TABLES), field="types")
        try:
            changes, nxt = await read_changes(db_session, since, types=wanted, limit=limit)
        except BadCursor as exc:
            raise Problem(400, "The cursor is not one this API issued.", field="since") from exc
        except ExpiredCursor as exc:
            raise Problem(410, "The changes after this cursor are no longer kept: load the "
                          "latest snapshot (/downloads/latest/manifest.json) and follow the "
                          "feed from its changes_cursor.", type_="changes-expired",
                          title="Cursor expired", field="since", oldest=exc.oldest,
                          snapshots="/downloads/index.json") from exc
        return ChangesPage(items=[ChangeOut(
            cursor=c.cursor, type=c.type, id=c.id, dataset=c.dataset, keys=c.keys,
            action=c.action, changed_at=c.changed_at) for c in changes], next=nxt)

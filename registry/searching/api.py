"""``GET /api/v1/search``: ranked, faceted, typo-tolerant, cross-script entity search."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get
from litestar.datastructures import State
from litestar.params import FromQuery, QueryParameter

from registry.api.access import PUBLIC, access
from registry.api.pagination import PageCursor
from registry.api.problems import Problem
from registry.api.session import DbSession
from registry.searching.service import SearchPage, run_search
from search.backend import (
    MAX_RESULT_WINDOW,
    InvalidCursor,
    SearchBackend,
    SearchQuery,
    decode_cursor,
)

Kind = Literal["company", "person", "public_body"]
MAX_QUERY = 200


class SearchController(Controller):
    path = "/search"
    tags = ["search"]

    @get("/", operation_id="searchEntities", opt=access(PUBLIC),
         summary="Search companies, persons and public bodies",
         description=(
             "Typo-tolerant, accent-insensitive and cross-script (a Latin query finds a "
             "Cyrillic name and back) search over every name of every entity, and over "
             "identifiers in any formatting (`GB-COH 01234567`, `1234567`). Ranked; facets "
             "by kind, country and dataset; follow `next` for more."))
    async def search(
        self, db_session: DbSession, state: State,
        q: FromQuery[str | None] = None,
        kind: FromQuery[Kind | None] = None,
        country: FromQuery[str | None] = None,
        dataset: FromQuery[str | None] = None,
        cursor: PageCursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> SearchPage:
        if q is None or not q.strip():
            raise Problem(400, "Give something to search for.", field="q")
        if len(q) > MAX_QUERY:
            raise Problem(400, f"The query is longer than {MAX_QUERY} characters.", field="q")
        backend: SearchBackend = state.search_backend
        try:
            if cursor and decode_cursor(cursor)[2] + limit > MAX_RESULT_WINDOW:
                raise Problem(400, f"Results are served to a depth of {MAX_RESULT_WINDOW}; "
                                   "narrow the query (kind, country, dataset).",
                              field="cursor")
            page = await run_search(db_session, backend, SearchQuery(
                q=q, kind=kind, country=country or None, dataset=dataset or None,
                limit=limit, cursor=cursor or None))
        except InvalidCursor as exc:
            raise Problem(400, "The cursor is not one this API issued.",
                          field="cursor") from exc
        if page.next and decode_cursor(page.next)[2] + limit > MAX_RESULT_WINDOW:
            page.next = None  # the last page anyone may reach
        return page

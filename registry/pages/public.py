"""Server-rendered public pages for journalists and the public: ``/``, ``/search``,
``/entities/{id}``, ``/contracts/{ocid}``, ``/registrants/{id}``, ``/parties/{id}``.

Plain HTML, readable without JavaScript, every value escaped (render.py). Each page reads
through the same service functions and public shapes as the API (``entity_out`` never reads
``Entity.restricted``; registrants only through their published view; links only ``auto``
and ``confirmed``), so a page cannot show more than the API does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from markupsafe import Markup

from registry.api.access import PUBLIC, access
from registry.api.pagination import PageCursor
from registry.api.problems import Problem
from registry.api.session import DbSession
from registry.contracts import service as contracts
from registry.contracts.behind import _hops as link_hops
from registry.contracts.behind import _roles as register_roles
from registry.contracts.behind import behind
from registry.contracts.schemas import contract_detail, contract_summary, entity_ids
from registry.donations.views import entity_donations_out, party_view
from registry.entities import service as entities
from registry.entities.schemas import entity_out
from registry.exports.downloads import latest_snapshot
from registry.exports.tables import PUBLIC_TABLES
from registry.links.service import entities_by_id, linked_entities
from registry.meetings.listing import MeetingFilter, list_meetings
from registry.meetings.views import meeting_views
from registry.models import Contract
from registry.ownership import drawing
from registry.ownership import service as ownership
from registry.ownership.linked import linked_chains
from registry.ownership.schemas import chain_entity_ids, chains_out
from registry.registrants import service as registrants
from registry.registrants.views import published_views
from registry.returns import service as returns
from registry.searching.service import run_search
from registry.settings import Settings
from search.backend import InvalidCursor, SearchBackend, SearchQuery

from . import graph_svg
from .render import not_found, page
from .stats import holdings

KINDS = {"company": "Company", "person": "Person", "public_body": "Public body"}
MAX_QUERY = 200
PAGE_SIZE = 20
LIST_LIMIT = 50  # contracts and meetings shown on one record page
LINKED_CONTRACT_RECORDS = 20  # linked records whose contracts an entity page shows


def _settings(request: Request[Any, Any, Any]) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _search_url(**params: str | None) -> str:
    return "/search?" + urlencode({k: v for k, v in params.items() if v})


class PublicPageController(Controller):
    path = "/"
    tags = ["pages"]
    include_in_schema = False

    @get("/", operation_id="pageHome", opt=access(PUBLIC), media_type="text/html")
    async def home(self, request: Request[Any, Any, Any],
                   db_session: DbSession) -> Response[str]:
        return page("home.html", title="Transparency registry", request=request,
                    counts=await holdings(db_session),
                    tables=[t.name for t in PUBLIC_TABLES],
                    snapshot=latest_snapshot(request))

    @get("/search", operation_id="pageSearch", opt=access(PUBLIC), media_type="text/html")
    async def search(
        self, request: Request[Any, Any, Any], db_session: DbSession, state: State,
        q: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        country: FromQuery[str | None] = None,
        dataset: FromQuery[str | None] = None,
        cursor: PageCursor = None,
    ) -> Response[str]:
        q = (q or "").strip()
        context: dict[str, Any] = {"title": f"Search: {q}" if q else "Search", "q": q,
                                   "kind": kind or "", "country": country or "",
                                   "dataset": dataset or "", "kinds": KINDS, "result": None,
                                   "error": None, "url": _search_url}
        error = None
        if not q:
            error = "Type a name or an identifier to search for."
        elif len(q) > MAX_QUERY:
            error = f"The query is longer than {MAX_QUERY} characters."
        elif kind and kind not in KINDS:
            error = f"Unknown kind {kind!r}: choose company, person or public body."
        if error is None:
            backend: SearchBackend = state.search_backend
            try:
                context["result"] = await run_search(db_session, backend, SearchQuery(
                    q=q, kind=kind or None, country=country or None,
                    dataset=dataset or None, limit=PAGE_SIZE, cursor=cursor or None))
            except InvalidCursor:
                error = "That page link is no longer valid; start the search again."
        context["error"] = error
        result = context["result"]
        return page("search.html", status_code=400 if error and q else 200, request=request,
                    canonical=_search_url(q=q, kind=kind, country=country, dataset=dataset),
                    description=(f"{result.total} records match {q!r} in the registry: "
                                 "companies, persons and public bodies." if result
                                 else "Search companies, persons and public bodies."),
                    **context)

    @get("/entities/{entity_id:int}", operation_id="pageEntity", opt=access(PUBLIC),
         media_type="text/html")
    async def entity(self, request: Request[Any, Any, Any], db_session: DbSession,
                     entity_id: FromPath[int],
                     depth: FromQuery[int] = drawing.DEFAULT_DEPTH) -> Response[str]:
        row = await entities.get_entity(db_session, entity_id)
        if row is None:
            return not_found(f"No record with id {entity_id}.", request)
        depth = max(1, min(depth, drawing.MAX_DEPTH))
        today = dt.datetime.now(dt.UTC).date()
        chains = {}
        for direction in ("owners", "owned"):
            found = await ownership.chains_as_of(db_session, entity_id, today,
                                                 ownership.DEFAULT_DEPTH, direction)
            chains[direction] = chains_out(found, await ownership.load_entities(
                db_session, chain_entity_ids(found)))
            chains[direction].linked = await linked_chains(
                db_session, entity_id, today, ownership.DEFAULT_DEPTH, direction)
        cluster = await linked_entities(db_session, entity_id)
        linked = await entities_by_id(db_session, {eid for eid, _ in cluster}
                                      | {h.from_id for _, hs in cluster for h in hs})
        links = [(entity_out(linked[eid]), link_hops(hops, linked))
                 for eid, hops in cluster if eid != entity_id and eid in linked]
        as_buyer = await contracts.list_contracts(
            db_session, contracts.ContractFilter(buyer=entity_id), limit=LIST_LIMIT)
        as_supplier = await contracts.list_contracts(
            db_session, contracts.ContractFilter(supplier=entity_id), limit=LIST_LIMIT)
        # The same party's contracts under its other records (the OCDS supplier of a
        # company of the ownership register, say), a bounded number of records.
        seen = {c.id for c in [*as_buyer, *as_supplier]}
        via_links: list[Contract] = []
        for other, _ in links[:LINKED_CONTRACT_RECORDS]:
            for flt in (contracts.ContractFilter(buyer=other.id),
                        contracts.ContractFilter(supplier=other.id)):
                for c in await contracts.list_contracts(db_session, flt, limit=LIST_LIMIT):
                    if c.id not in seen:
                        seen.add(c.id)
                        via_links.append(c)
        ids: set[int] = set()
        for c in [*as_buyer, *as_supplier, *via_links]:
            ids |= entity_ids(c)
        parties = await contracts.load_entities(db_session, ids)
        roles = (await register_roles(db_session, [entity_id])).get(entity_id, [])
        regs = {r.id: r for r in await published_views(
            db_session, [await registrants.get_registrant(db_session, i)
                         for i in dict.fromkeys(x.registrant_id for x in roles)],
            _settings(request), today)}
        register = [(x.role, regs[x.registrant_id]) for x in roles if x.registrant_id in regs]
        donations = await entity_donations_out(db_session, entity_id, {"owned", "owners"},
                                               today)
        graph = await drawing.entity_drawing(db_session, entity_id, today, depth)
        kind = KINDS.get(row.kind, row.kind).lower()
        return page("entity.html", title=row.name, e=entity_out(row), kinds=KINDS,
                    donations=donations, is_party=bool(row.data.get("political_party")),
                    request=request,
                    description=(f"{row.name}: {kind} in {row.dataset}. "
                                 f"{len(chains['owners'].items)} owners, "
                                 f"{len(chains['owned'].items)} holdings, {len(links)} linked "
                                 f"records, contracts and lobbying-register roles."),
                    graph=Markup(graph_svg.svg(graph, prefix="og")),  # noqa: S704 (escaped)
                    graph_depth=depth, graph_truncated=graph.truncated,
                    graph_hidden=sum(n.hidden for n in graph.nodes),
                    max_depth=drawing.MAX_DEPTH,
                    owners=chains["owners"], owned=chains["owned"], links=links,
                    as_buyer=[contract_summary(c, parties) for c in as_buyer],
                    as_supplier=[contract_summary(c, parties) for c in as_supplier],
                    via_links=[contract_summary(c, parties) for c in via_links],
                    register=register, today=today.isoformat())

    @get("/contracts/{ocid:str}", operation_id="pageContract", opt=access(PUBLIC),
         media_type="text/html")
    async def contract(self, request: Request[Any, Any, Any], db_session: DbSession,
                       ocid: FromPath[str],
                       dataset: FromQuery[str | None] = None) -> Response[str]:
        found = await contracts.find_contracts(db_session, ocid, dataset or None)
        if not found:
            return not_found(f"No contract with ocid {ocid}.", request)
        if len(found) > 1:
            return page("choose_dataset.html", title=ocid, ocid=ocid, request=request,
                        datasets=sorted(c.dataset for c in found),
                        link=lambda d: f"/contracts/{ocid}?" + urlencode({"dataset": d}))
        row = found[0]
        detail = contract_detail(row, await contracts.load_entities(db_session,
                                                                   entity_ids(row)))
        story = await behind(db_session, row)
        graph = drawing.contract_drawing(story)
        query = "?" + urlencode({"dataset": row.dataset})
        buyer = detail.buyer.name if detail.buyer else "an unnamed buyer"
        suppliers = ", ".join(s.supplier.name for s in story.suppliers) or "no named supplier"
        return page("contract.html", title=detail.title or detail.ocid, c=detail,
                    story=story, request=request,
                    canonical=f"/contracts/{quote(row.ocid)}{query}",
                    description=(f"Contract {row.ocid} of {buyer}, awarded to {suppliers}: "
                                 "who owns the suppliers and whom they lobbied."),
                    graph=Markup(graph_svg.svg(graph, prefix="cg")),  # noqa: S704 (escaped)
                    graph_query=query)

    @get("/parties/{entity_id:int}", operation_id="pageParty", opt=access(PUBLIC),
         media_type="text/html")
    async def party(self, request: Request[Any, Any, Any], db_session: DbSession,
                    entity_id: FromPath[int]) -> Response[str]:
        row = await entities.get_entity(db_session, entity_id)
        if row is None:
            return not_found(f"No record with id {entity_id}.", request)
        totals, winners = await party_view(db_session, entity_id,
                                           dt.datetime.now(dt.UTC).date())
        return page("party.html", title=f"{row.name}: donations", e=entity_out(row),
                    totals=totals, winners=winners, request=request,
                    description=f"Donations to {row.name}: totals by donor and by year, and "
                                "the donors that won public contracts.")

    @get("/registrants/{registrant_id:int}", operation_id="pageRegistrant",
         opt=access(PUBLIC), media_type="text/html")
    async def registrant(self, request: Request[Any, Any, Any], db_session: DbSession,
                         registrant_id: FromPath[int]) -> Response[str]:
        missing = not_found(f"No published register entry with id {registrant_id}.", request)
        try:
            row = await registrants.get_registrant(db_session, registrant_id)
        except Problem as exc:
            if exc.status_code == 404:
                return missing
            raise
        today = dt.datetime.now(dt.UTC).date()
        views = await published_views(db_session, [row], _settings(request), today)
        if not views:
            return missing  # drafts and entries under review are not public
        filed = await returns.list_returns(db_session, row, _settings(request), today)
        meetings = await meeting_views(db_session, await list_meetings(
            db_session, MeetingFilter(registrant_id=row.id), limit=LIST_LIMIT))
        r = views[0]
        return page("registrant.html", title=r.name, r=r, returns=filed, request=request,
                    description=(f"{r.name}, {r.category.label or r.category.code} in the "
                                 f"lobbying register ({r.status}): lobbyists, clients, "
                                 "returns and meetings."),
                    meetings=meetings)

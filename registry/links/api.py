"""``/api/v1/links`` (review) and ``/api/v1/match`` (yente-compatible matching).

Who may read what: anyone may read ``auto`` and ``confirmed`` links (the published clusters
that queries traverse). ``candidate`` and ``rejected`` links are review material: they may
name people who are *not* the party in question, so only registrars see them. The handler is
declared PUBLIC and checks the caller itself when those statuses are asked for. Deciding is
REGISTRAR only (the guard enforces the declared level).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from registry.api.access import PUBLIC, REGISTRAR, access, principal_of
from registry.api.pagination import (
    DEFAULT_LIMIT,
    Page,
    PageCursor,
    PageLimit,
    check_limit,
    decode_cursor,
    encode_cursor,
)
from registry.api.problems import Problem
from registry.api.session import DbSession
from registry.entities.schemas import entity_out
from registry.models import Entity, Link
from search.linking import default_candidate_source
from search.matching.weights import AUTO_THRESHOLD

from . import service
from .matching import (
    KIND_SCHEMAS,
    SCHEMA_KINDS,
    QueryError,
    example_properties,
    feature_docs,
    match_party,
    party_from_example,
)
from .schemas import (
    DecisionIn,
    EntityExample,
    EntityMatches,
    Explanation,
    FeatureDoc,
    LinkOut,
    MatchQuery,
    MatchResponse,
    ScoredEntity,
    TotalSpec,
)

Status = Literal["auto", "candidate", "confirmed", "rejected"]
MAX_QUERIES = 20


def link_out(link: Link, entities: dict[int, Entity], *, reviewer: bool) -> LinkOut:
    return LinkOut(
        id=link.id, left=entity_out(entities[link.left_id]),
        right=entity_out(entities[link.right_id]), score=link.score, status=link.status,
        method=link.method, matcher_version=link.matcher_version, evidence=link.evidence,
        decided_at=link.decided_at.isoformat() if link.decided_at else None,
        decided_by=link.decided_by if reviewer else None,
        comment=link.comment if reviewer else None,
    )


class LinkController(Controller):
    path = "/links"
    tags = ["links"]

    @get("/", operation_id="listLinks", opt=access(PUBLIC),
         summary="Links between entities, with score and evidence",
         description="`auto` and `confirmed` links are public; `candidate` (the review "
                     "queue) and `rejected` links need the registrar role.")
    async def list_links(
        self, request: Request[Any, Any, Any], db_session: DbSession,
        status: FromQuery[Status | None] = None,
        entity_id: FromQuery[int | None] = None,
        cursor: PageCursor = None,
        limit: PageLimit = DEFAULT_LIMIT,
    ) -> Page[LinkOut]:
        check_limit(limit)
        principal = principal_of(request.scope)
        reviewer = principal is not None and principal.is_registrar
        if status is None:
            statuses: tuple[str, ...] = (("auto", "candidate", "confirmed", "rejected")
                                         if reviewer else service.PUBLIC_STATUSES)
        elif status in service.PUBLIC_STATUSES or reviewer:
            statuses = (status,)
        else:
            raise Problem(403, f"Only registrars may read {status} links.", field="status")
        after = decode_cursor(cursor)
        rows = await service.list_links(db_session, statuses=statuses,
                                        after_id=int(after[0]) if after else None,
                                        limit=limit + 1, entity_id=entity_id)
        page = list(rows[:limit])
        entities = await service.entities_by_id(
            db_session, {i for link in page for i in (link.left_id, link.right_id)})
        nxt = encode_cursor([page[-1].id]) if len(rows) > limit else None
        return Page(items=[link_out(link, entities, reviewer=reviewer) for link in page],
                    next=nxt)

    @post("/{link_id:int}/decision", operation_id="decideLink", opt=access(REGISTRAR),
          status_code=200, summary="Confirm or reject a link, with a comment",
          description="The decision survives every re-run of the linker; a rejected pair "
                      "is never proposed again.")
    async def decide(self, request: Request[Any, Any, Any], db_session: DbSession,
                     link_id: FromPath[int], data: JSONBody[DecisionIn]) -> LinkOut:
        comment = data.comment.strip()
        if not comment:
            raise Problem(422, "A decision needs a comment saying why.", field="comment")
        principal = principal_of(request.scope)
        link = await service.decide(
            db_session, link_id, decision=data.decision, comment=comment,
            user_id=principal.user_id if principal else None,
            actor=principal.email if principal else "anonymous")
        if link is None:
            raise Problem(404, f"No link with id {link_id}.", field="link_id")
        entities = await service.entities_by_id(db_session, {link.left_id, link.right_id})
        return link_out(link, entities, reviewer=True)


class MatchController(Controller):
    path = "/match"
    tags = ["links"]

    @post("/", operation_id="matchEntities", opt=access(PUBLIC), status_code=200,
          summary="Score described parties against the registry (yente /match shape)",
          description="`queries` maps your keys to examples `{schema, properties}` "
                      "(FollowTheMoney schemas Company, Organization, LegalEntity, Person, "
                      "PublicBody; properties name, alias, country, jurisdiction, "
                      "registrationNumber (optionally `SCHEME:value`), leiCode, address, "
                      "birthDate). Each response lists scored entities with their features "
                      "and explanations; `match` is true at or above `threshold`.")
    async def match(
        self, request: Request[Any, Any, Any], db_session: DbSession, data: JSONBody[MatchQuery],
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 5,
        threshold: Annotated[float, QueryParameter(ge=0, le=1)] = AUTO_THRESHOLD,
    ) -> MatchResponse:
        if not data.queries:
            raise Problem(400, "No queries provided.", field="queries")
        if len(data.queries) > MAX_QUERIES:
            raise Problem(400, f"At most {MAX_QUERIES} queries in one batch.", field="queries")
        source = default_candidate_source(db_session, request.app.state.settings.search_options,
                                          getattr(request.app.state, "search_backend", None))
        responses: dict[str, EntityMatches] = {}
        for key, example in data.queries.items():
            try:
                party = party_from_example(key, example.schema_, example.properties)
            except QueryError as exc:
                raise Problem(422, str(exc), field=exc.field) from exc
            any_kind = SCHEMA_KINDS[example.schema_] is None
            scored = await match_party(db_session, source, party, any_kind, limit=limit)
            entities = await service.entities_by_id(db_session, {s.entity_id for s in scored})
            results = [self._scored(entities[s.entity_id], s.result, threshold)
                       for s in scored if s.entity_id in entities]
            responses[key] = EntityMatches(
                status=200, results=results, total=TotalSpec(value=len(results)),
                query=EntityExample(schema_=example.schema_,
                                    properties=example_properties(party), id=example.id))
        docs = {k: FeatureDoc(description=v["description"], coefficient=v["coefficient"])
                for k, v in feature_docs().items()}
        return MatchResponse(responses=responses, matcher=docs, limit=limit)

    @staticmethod
    def _scored(entity: Entity, result: Any, threshold: float) -> ScoredEntity:
        out = entity_out(entity)
        props: dict[str, list[str]] = {"name": [entity.name]}
        aliases = [n.name for n in entity.names if n.name != entity.name]
        if aliases:
            props["alias"] = aliases
        if entity.country:
            props["country"] = [entity.country.lower()]
        if entity.jurisdiction:
            props["jurisdiction"] = [entity.jurisdiction.lower()]
        if entity.identifiers:
            props["registrationNumber"] = [f"{i.scheme}:{i.value}" for i in entity.identifiers]
        addresses = [a.get("address") for a in out.addresses]
        if any(addresses):
            props["address"] = [str(a) for a in addresses if a]
        if out.birth_date:
            props["birthDate"] = [out.birth_date]
        if entity.founding_date:
            props["incorporationDate"] = [entity.founding_date]
        evidence = result.evidence()
        explanations = {
            name: Explanation(score=f["value"], weight=f["weight"],
                              contribution=f["contribution"],
                              detail=f"{f['weight']:+.3f} x {f['value']:.3f}")
            for name, f in evidence["features"].items()
        }
        if result.identifier:
            ident = result.identifier
            explanations["identifier"] = Explanation(
                score=1.0 if ident["agreement"] == "equal" else -1.0,
                detail=f"{ident['agreement']} {ident['scheme']} {ident['left']} / "
                       f"{ident['right']}")
        for n, rule in enumerate(result.rules):
            explanations[f"rule_{n + 1}"] = Explanation(score=0.0, detail=rule)
        return ScoredEntity(
            id=str(entity.id), caption=entity.name, schema_=KIND_SCHEMAS[entity.kind],
            properties=props, datasets=[entity.dataset], referents=out.keys,
            last_change=entity.updated_at.isoformat() if entity.updated_at else None,
            score=round(result.score, 4), match=result.score >= threshold,
            features={k: round(v, 4) for k, v in result.features.items() if v},
            explanations=explanations, kind=entity.kind, name=entity.name,
            dataset=entity.dataset, keys=out.keys, status=result.status)

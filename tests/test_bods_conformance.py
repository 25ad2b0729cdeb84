"""Third-party conformance pack ``bods-v04-fixtures`` (through ``pytest-bods-v04-fixtures``,
whose plugin parametrises ``bods_fixture`` over every case): each case is imported, queried
as its ``expected.md`` asks, exported, validated with libcovebods and re-imported."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.importer import import_bods
from registry.exports.bods import export_bods
from registry.models import Entity, Interest, Relationship
from registry.ownership.service import chains_as_of, summarise
from tests.bods_support import libcove_errors, snapshot, write_json

AS_OF = dt.date(2026, 6, 1)


async def _id(session: AsyncSession, key: str) -> int:
    return int((await session.scalars(select(Entity.id).where(Entity.source_key == key))).one())


async def test_fixture_pack(bods_fixture: Any, database_url: str, session: AsyncSession,
                            tmp_path: Path) -> None:
    path = write_json(tmp_path / "fixture.json", bods_fixture.statements)
    assert libcove_errors(path) == []
    result = await import_bods(database_url, [str(path)], "fx")
    assert result.summary.skipped == 0 and result.dangling == 0
    assert result.summary.imported == len(set(bods_fixture.record_ids))

    # Source adapter expectations: one record per recordId, interests kept apart, the
    # beneficial flag and the unspecified reason preserved.
    kinds = {r: s["recordType"] for s in bods_fixture.statements for r in [s["recordId"]]}
    entities = (await session.scalars(select(Entity))).all()
    assert {e.source_key for e in entities} == {k for k, t in kinds.items()
                                                if t != "relationship"}
    rels = (await session.scalars(select(Relationship))).all()
    assert {r.source_key for r in rels} == {k for k, t in kinds.items() if t == "relationship"}
    for statement in bods_fixture.by_record_type("relationship"):
        rel = next(r for r in rels if r.source_key == statement["recordId"])
        stated = statement["recordDetails"].get("interests", [])
        assert [(i.type, i.beneficial_ownership_or_control) for i in rel.interests] == [
            (i.get("type"), i.get("beneficialOwnershipOrControl")) for i in stated]
        party = statement["recordDetails"]["interestedParty"]
        if isinstance(party, dict):
            assert rel.interested_unspecified == party

    # Query engine expectations (expected.md of each case).
    name = bods_fixture.name
    if name == "core/01-direct-ownership":
        acme, jane = (await _id(session, "rec-acme-holdings-ltd"),
                      await _id(session, "rec-jane-smith-1975"))
        owners = summarise(await chains_as_of(session, acme, AS_OF))
        assert [o.entity_id for o in owners] == [jane]
        assert owners[0].share is not None and owners[0].share.exact == Decimal(75)
        assert [len(p.hops) for p in owners[0].paths] == [1] and owners[0].direct
    elif name == "edge-cases/10-circular-ownership":
        for start in ("rec-alpha-corp", "rec-beta-corp"):
            entity = await _id(session, start)
            chains = await chains_as_of(session, entity, AS_OF)
            owners = summarise(chains)
            assert entity not in {o.entity_id for o in owners}  # never its own owner
            assert len(chains.cycles) == 1 and chains.cycles[0][0] == entity
            assert all(o.share is not None and o.share.max <= 100 for o in owners)
            assert not [e for e in entities if e.kind == "person"]
    elif name == "edge-cases/11-anonymous-person":
        opaque = await _id(session, "rec-opaque-holdings-sa")
        chains = await chains_as_of(session, opaque, AS_OF)
        assert chains.paths == []
        assert [u.reason for u in chains.unspecified] == [
            "subjectUnableToConfirmOrIdentifyBeneficialOwner"]
        assert chains.unspecified[0].description
        assert not [e for e in entities if e.kind == "person"]

    # Sink expectations: the export validates, keeps provenance and bodsVersion "0.4", and
    # imports back to the same records.
    out = tmp_path / "export.json"
    await export_bods(database_url, out, ["fx"])
    assert libcove_errors(out) == []
    exported = json.loads(out.read_text())
    assert {s["publicationDetails"]["bodsVersion"] for s in exported} == {"0.4"}
    sources = {s["recordId"]: s["source"] for s in bods_fixture.statements}
    assert all(s["source"] == sources[s["recordId"]] for s in exported)
    await import_bods(database_url, [str(out)], "fx-copy")
    assert await snapshot(session, "fx-copy") == await snapshot(session, "fx")
    assert len((await session.scalars(select(Interest))).all()) == 2 * sum(
        len(s["recordDetails"].get("interests", []))
        for s in bods_fixture.by_record_type("relationship"))

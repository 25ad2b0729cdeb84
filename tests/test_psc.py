"""``registry import psc``: the UK PSC snapshot onto the ownership model; restricted details
never leave the database."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.psc import import_psc, interests
from registry.exports.bods import export_bods
from registry.models import Entity, ImportError_, RecordVersion, Relationship
from registry.ownership.service import chains_as_of, summarise
from tests.bods_support import libcove_errors

SAMPLE = Path(__file__).parent / "data" / "psc" / "psc-sample.jsonl"
SECRETS = ("1970-05-17", "Secret Lane", "GU1 1AA")


def test_natures_of_control_bands() -> None:
    start = dt.date(2016, 4, 6)
    rows = interests(["ownership-of-shares-25-to-50-percent",
                      "voting-rights-50-to-75-percent-as-trust",
                      "ownership-of-shares-75-to-100-percent",
                      "right-to-appoint-and-remove-directors"], start, None, True)
    assert [r.type for r in rows] == ["shareholding", "votingRights", "shareholding",
                                      "appointmentOfBoard"]
    band = [(r.share_min, r.share_exclusive_min, r.share_max, r.share_exclusive_max)
            for r in rows]
    assert band[0] == (Decimal(25), True, Decimal(50), False)
    assert band[1] == (Decimal(50), True, Decimal(75), True)
    assert band[2] == (Decimal(75), False, Decimal(100), False)
    assert band[3] == (None, False, None, False)
    assert rows[1].details == "voting-rights-50-to-75-percent-as-trust"


async def _entity(session: AsyncSession, key: str) -> Entity:
    return (await session.scalars(select(Entity).where(Entity.source_key == key))).one()


async def test_psc_snapshot(database_url: str, session: AsyncSession,
                            client: AsyncTestClient[Litestar], tmp_path: Path) -> None:
    result = await import_psc(database_url, [str(SAMPLE)], batch_size=1)
    s = result.summary
    assert (s.read, s.skipped) == (8, 2)
    reasons = sorted(e.reason for e in (await session.scalars(select(ImportError_))).all())
    assert reasons[0].startswith("invalid JSON") and reasons[1] == "missing field: data.kind"

    alice = await _entity(session, "psc/00000001/ALICE1")
    assert alice.kind == "person" and alice.name == "Mrs Alice Jane Example"
    assert alice.birth_date == "1970-05" and alice.nationalities == ["GB"]
    assert alice.country == "GB"
    assert alice.restricted["birth_date"] == "1970-05-17"
    assert "Secret Lane" in json.dumps(alice.restricted)
    assert [a["type"] for a in alice.addresses] == ["service"]
    stored = await session.scalars(select(RecordVersion.content))
    assert not any(secret in json.dumps(c) for c in stored for secret in SECRETS)

    # The corporate PSC is the company 00000001 itself, named (the number-only placeholder
    # written first for Alice's line does not win).
    top = await _entity(session, "GB-COH-00000001")
    assert top.name == "TOP CO LIMITED"
    assert [(i.scheme, i.value) for i in top.identifiers] == [("GB-COH", "00000001")]
    sub = await _entity(session, "GB-COH-00000002")
    assert sub.name == "00000002"

    owners = {o.entity_id: o for o in summarise(
        await chains_as_of(session, sub.id, dt.date(2024, 1, 1)))}
    assert set(owners) == {top.id, alice.id}
    share = owners[alice.id].share
    assert share is not None
    assert (share.min, share.max, share.exclusive_min, share.exclusive_max) == (
        Decimal("37.5"), Decimal(75), True, True)
    bob = await _entity(session, "psc/00000002/BOB2")
    earlier = {o.entity_id for o in summarise(
        await chains_as_of(session, sub.id, dt.date(2019, 1, 1)))}
    assert bob.id in earlier and bob.id not in owners

    no_psc = await _entity(session, "GB-COH-00000003")
    declared = await chains_as_of(session, no_psc.id, dt.date(2024, 1, 1))
    assert [(u.reason, u.description) for u in declared.unspecified] == [
        ("noBeneficialOwners", "no-individual-or-entity-with-signficant-control")]
    secure = await _entity(session, "GB-COH-00000004")
    rel = (await session.scalars(select(Relationship)
                                 .where(Relationship.subject_id == secure.id))).one()
    assert rel.interested_unspecified is not None
    assert rel.interested_unspecified["reason"] == "interestedPartyExemptFromDisclosure"

    # Neither the API nor the export publishes what the source restricts.
    for url in (f"/api/v1/entities/{alice.id}", f"/api/v1/entities/{sub.id}/owners",
                f"/api/v1/entities/{alice.id}/owned", f"/api/v1/entities/{sub.id}/graph",
                "/api/v1/exports/bods"):
        r = await client.get(url)
        assert r.status_code == 200, url
        assert not any(secret in r.text for secret in SECRETS), url
    out = tmp_path / "psc-bods.json"
    await export_bods(database_url, out, ["gb-psc"])
    assert not any(secret in out.read_text() for secret in SECRETS)
    assert libcove_errors(out) == []

    counts = [await session.scalar(text(f"SELECT count(*) FROM {t}"))
              for t in ("entities", "relationships", "interests", "record_versions")]
    again = await import_psc(database_url, [str(SAMPLE)])
    assert again.summary.imported == again.summary.updated == 0
    assert [await session.scalar(text(f"SELECT count(*) FROM {t}"))
            for t in ("entities", "relationships", "interests", "record_versions")] == counts

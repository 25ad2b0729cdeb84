"""Load ``demo.json`` once: companies with a two-level ownership chain, contracts whose
suppliers are those companies spelt differently (an OCDS release package, ``demo-ocds.json``,
imported through the OCDS importer), registrants with lobbyists, clients and meetings, and a
donation from the chain's holding company to a party (Electoral Commission rows, written by
the donations importer)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from importlib import resources
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.donations import DonationWriter
from importers.donations_parse import parse_uk_ec
from importers.ocds.importer import write_releases
from registry.db.engine import sessions
from registry.entities.write import set_identifiers, set_names
from registry.links.jobs import run_linking
from registry.links.writer import LinkStats
from registry.models import (
    Client,
    Dataset,
    Entity,
    Interest,
    Lobbyist,
    Meeting,
    MeetingClient,
    MeetingOfficial,
    Registrant,
    RegistrantVersion,
    Relationship,
)
from registry.settings import Settings

MARKER_DATASET = "demo-bods"
DEMO_LOCK = 7_424_851_002


def demo_data() -> dict[str, Any]:
    text = resources.files("registry.demo").joinpath("demo.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def ocds_releases(data: dict[str, Any]) -> list[dict[str, Any]]:
    name = data["ocds_release_package"]
    package = json.loads(resources.files("registry.demo").joinpath(name).read_text("utf-8"))
    releases: list[dict[str, Any]] = package["releases"]
    return releases


def _ts(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


async def load_demo(database_url: str) -> bool:
    """Returns False when the demo is already there (it is loaded once)."""
    async with sessions(database_url) as sessionmaker:
        async with sessionmaker() as session, session.begin():
            # Two servers started together with --demo: the second waits, then sees the data.
            await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": DEMO_LOCK})
            if await session.get(Dataset, MARKER_DATASET) is not None:
                return False
            await write_demo(session, demo_data())
        return True


async def link_demo(database_url: str, settings: Settings | None = None) -> LinkStats:
    """Run the linker over the demo's entities (a few dozen: well under a second), so that
    links and ``/contracts/{ocid}/behind`` show the whole story from the first start."""
    names = [ds["name"] for ds in demo_data()["datasets"]]
    async with sessions(database_url) as sessionmaker, sessionmaker() as session:
        ids = list((await session.scalars(
            select(Entity.id).where(Entity.dataset.in_(names)).order_by(Entity.id))).all())
    return await run_linking(database_url, ids, settings=settings, progress=False)


async def write_demo(session: AsyncSession, data: dict[str, Any]) -> dict[str, Entity]:
    for ds in data["datasets"]:
        if await session.get(Dataset, ds["name"]) is None:
            session.add(Dataset(**ds))
    await session.flush()

    entities: dict[str, Entity] = {}
    for e in data["entities"]:
        entity = Entity(
            dataset=e["dataset"], source_key=e["source_key"], kind=e["kind"], name=e["name"],
            country=e.get("country"), jurisdiction=e.get("jurisdiction"),
            legal_form=e.get("legal_form"), founding_date=e.get("founding_date"),
            birth_date=e.get("birth_date"), nationalities=e.get("nationalities", []),
            addresses=e.get("addresses", []), restricted=e.get("restricted", {}),
            statement_id=f"demo-{e['source_key']}",
        )
        set_names(entity, e["name"], [(n["name"], n["type"]) for n in e.get("names", [])])
        set_identifiers(entity, e.get("identifiers", []))
        session.add(entity)
        entities[e["key"]] = entity
    await session.flush()

    # Procurement goes through the OCDS importer, like any published release package.
    await write_releases(session, "demo-ocds", ocds_releases(data))
    rows = await session.scalars(select(Entity).where(
        Entity.dataset == "demo-ocds", Entity.source_key.in_(data["ocds_entities"].values())))
    by_key = {e.source_key: e for e in rows}
    for key, source_key in data["ocds_entities"].items():
        entities[key] = by_key[source_key]

    for r in data["relationships"]:
        rel = Relationship(
            dataset="demo-bods", source_key=r["source_key"],
            subject_id=entities[r["subject"]].id, interested_party_id=entities[r["party"]].id,
            statement_id=f"demo-{r['source_key']}", valid_from=_ts(r.get("valid_from")),
        )
        rel.interests = [
            Interest(type=i["type"], direct_or_indirect=i.get("direct_or_indirect"),
                     beneficial_ownership_or_control=i.get("beneficial"),
                     share_exact=_dec(i.get("share_exact")), share_min=_dec(i.get("share_min")),
                     share_max=_dec(i.get("share_max")),
                     share_exclusive_min=bool(i.get("share_exclusive_min")),
                     share_exclusive_max=bool(i.get("share_exclusive_max")),
                     start_date=_date(i.get("start_date")))
            for i in r["interests"]
        ]
        session.add(rel)

    registrants: dict[str, Registrant] = {}
    now = dt.datetime.now(dt.UTC)
    for r in data["registrants"]:
        reg = Registrant(entity_id=entities[r["entity"]].id,
                         registration_number=r["registration_number"], name=r["name"],
                         category=r["category"], status="active", current_version=1,
                         published_version=1, registered_at=now, status_changed_at=now)
        session.add(reg)
        await session.flush()
        content = {k: v for k, v in r["data"].items()}
        content["lobbyists"] = [{k: v for k, v in lob.items() if k != "entity"}
                                for lob in r["data"]["lobbyists"]]
        content["clients"] = [{k: v for k, v in cl.items() if k != "entity"}
                              for cl in r["data"]["clients"]]
        session.add(RegistrantVersion(registrant_id=reg.id, version=1, data=content,
                                      status="approved", submitted_at=now, decided_at=now))
        for lob in r["data"]["lobbyists"]:
            session.add(Lobbyist(registrant_id=reg.id, entity_id=entities[lob["entity"]].id,
                                 name=lob["name"], role=lob["role"],
                                 former_public_office=lob["former_public_office"],
                                 former_office_end=_date(lob["former_office_end"])))
        for cl in r["data"]["clients"]:
            session.add(Client(registrant_id=reg.id, entity_id=entities[cl["entity"]].id,
                               name=cl["name"], income_band=cl["income_band"]))
        registrants[r["registration_number"]] = reg
    await session.flush()

    for m in data["meetings"]:
        meeting = Meeting(
            dataset=m["dataset"], source_key=m["source_key"], date=_date(m["date"]),
            subject=m["subject"], legislation=m.get("legislation"), location=m.get("location"),
            institution_id=entities[m["institution"]].id,
            registrant_id=registrants[m["registrant"]].id,
            registrant_name=m.get("registrant_name"),
            declared_by_registrant=m["declared_by_registrant"],
            declared_by_official=m["declared_by_official"],
        )
        meeting.officials = [
            MeetingOfficial(entity_id=entities[o["entity"]].id, name=o["name"], role=o["role"],
                            institution=o["institution"]) for o in m["officials"]]
        meeting.clients = [MeetingClient(entity_id=entities[c["entity"]].id, name=c["name"])
                           for c in m["clients"]]
        session.add(meeting)
    await session.flush()

    donations = [parse_uk_ec({k: str(v) for k, v in row.items()})
                 for row in data.get("donations", [])]
    await DonationWriter("demo-donations", None).write(session, donations)
    return entities

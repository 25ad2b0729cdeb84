"""Donations to parties: the Electoral Commission's CSV and the generic one, donors linked to
companies, the donations section of "who is behind a contract", the API and the pages."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.donations import import_donations
from importers.donations_parse import parse_amount, parse_uk_ec, person_name
from registry.api.pagination import encode_cursor
from registry.demo.load import link_demo
from registry.links.jobs import run_linking
from registry.models import Donation, Entity, ImportError_, Link
from search.linking import probe_ids

HttpClient = AsyncTestClient[Litestar]

EC_HEADER = ["ECRef", "RegulatedEntityName", "RegulatedEntityType", "Value", "AcceptedDate",
             "AccountingUnitName", "DonorName", "AccountingUnitsAsCentralParty",
             "IsSponsorship", "DonorStatus", "RegulatedDoneeType",
             "CompanyRegistrationNumber", "Postcode", "DonationType", "NatureOfDonation",
             "PurposeOfVisit", "DonationAction", "ReceivedDate", "ReportedDate",
             "IsReportedPrePoll", "ReportingPeriodName", "IsBequest", "IsAggregation"]


def ec_row(ref: str, donor: str, value: str, accepted: str, *, status: str = "Company",
           number: str = "", party: str = "Progress Party", unit: str = "",
           postcode: str = "", kind: str = "Cash", action: str = "Accepted") -> list[str]:
    return [ref, party, "Political Party", value, accepted, unit, donor, "False", "False",
            status, "", number, postcode, kind, "", "", action, "", "", "False", "Q1 2023",
            "False", "False"]


def write_ec(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(EC_HEADER)
        w.writerows(rows)
    return path


def test_electoral_commission_values() -> None:
    assert parse_amount("£12,500.00") == Decimal("12500.00")
    assert parse_amount("1 234,50") == Decimal("1234.50")
    with pytest.raises(ValueError, match="bad amount"):
        parse_amount("£twelve")
    assert person_name("Mr John Smith") == "John Smith"
    assert person_name("The Rt Hon Dame Jane Doe DBE") == "Jane Doe"
    values = dict(zip(EC_HEADER, ec_row("C1", "ACME LTD", "£1,000.00", "05/01/2024",
                                        number="01234567", unit="Leeds Central"), strict=True))
    parsed = parse_uk_ec(values)
    assert parsed.accepted_date == dt.date(2024, 1, 5) and parsed.value == Decimal("1000.00")
    assert parsed.accounting_unit == "Leeds Central" and parsed.currency == "GBP"
    other = parse_uk_ec({**values, "CompanyRegistrationNumber": "1234567"})
    assert parsed.donor.key == other.donor.key  # leading zeros or not: one donor
    with pytest.raises(ValueError, match="bad AcceptedDate"):
        parse_uk_ec({**values, "AcceptedDate": "2024/13/45"})


async def test_import_uk_ec_streams_skips_and_is_idempotent(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    path = write_ec(tmp_path / "ec.csv", [
        ec_row("C0000001", "ACME CONSTRUCTION LTD", "£12,500.00", "01/02/2023",
               number="01234567"),
        ec_row("C0000002", "Mrs Jane Doe", "£2,000.00", "03/03/2023", status="Individual",
               postcode="SW1A 1AA", unit="Cities of London & Westminster"),
        ec_row("C0000003", "Acme Construction Limited", "£500.00", "04/04/2023",
               number="1234567", kind="Non Cash", action="Returned to donor"),
        ec_row("C0000004", "Bad Value Ltd", "£lots", "04/04/2023"),
        ec_row("C0000005", "Bad Date Ltd", "£10.00", "31/02/2023"),
    ])
    summary = await import_donations(database_url, [str(path)])
    assert (summary.imported, summary.skipped, summary.updated) == (3, 2, 0)
    errors = (await session.scalars(select(ImportError_).order_by(ImportError_.id))).all()
    assert [(e.position, e.reason.split(":")[0]) for e in errors] == [
        ("line 5", "bad amount"), ("line 6", "bad AcceptedDate")]

    rows = {d.source_ref: d for d in (await session.scalars(select(Donation))).all()}
    assert rows["C0000001"].value == Decimal("12500.00") and rows["C0000001"].currency == "GBP"
    assert rows["C0000002"].accounting_unit == "Cities of London & Westminster"
    assert rows["C0000003"].status == "returned" and rows["C0000003"].type == "non_cash"
    # One donor for both spellings and numbers, one party for the unit and the centre.
    assert rows["C0000001"].donor_id == rows["C0000003"].donor_id
    assert len({d.recipient_id for d in rows.values()}) == 1
    party = await session.get(Entity, rows["C0000001"].recipient_id)
    assert party is not None and party.data == {"political_party": True}
    person = await session.get(Entity, rows["C0000002"].donor_id)
    assert person is not None and person.kind == "person" and person.name == "Jane Doe"
    assert person.addresses[0]["postCode"] == "SW1A 1AA"

    again = await import_donations(database_url, [str(path)], resume=False)
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 3)
    changed = write_ec(tmp_path / "ec.csv", [
        ec_row("C0000001", "ACME CONSTRUCTION LTD", "£13,000.00", "01/02/2023",
               number="01234567")])
    third = await import_donations(database_url, [str(changed)], resume=False)
    assert (third.imported, third.updated) == (0, 1)
    first_id = rows["C0000001"].id
    session.expire_all()
    assert await session.scalar(select(Donation.value).where(Donation.id == first_id)) == Decimal(
        "13000.00")
    assert await session.scalar(select(func.count()).select_from(Donation)) == 3


async def test_generic_csv_any_script(database_url: str, session: AsyncSession,
                                      tmp_path: Path) -> None:
    path = tmp_path / "ge.csv"
    path.write_text(
        "reference,date,donor_name,donor_id,donor_id_scheme,recipient,amount,currency\n"
        "GE-1,2024-05-01,გიორგი ბერიძე,01001012345,GE-PN,ქართული ოცნება,\"1 234,50\",GEL\n"
        "GE-2,2024-05-02,შპს ალფა,204567890,GE-NAPR,ქართული ოცნება,5000,GEL\n"
        "GE-3,2024-05-03,No Currency,,,Party,10,\n", encoding="utf-8")
    summary = await import_donations(database_url, [str(path)], fmt="csv", dataset="ge-sao")
    assert (summary.imported, summary.skipped) == (2, 1)
    rows = {d.source_ref: d for d in (await session.scalars(select(Donation))).all()}
    assert rows["GE-1"].value == Decimal("1234.50") and rows["GE-1"].currency == "GEL"
    donor = await session.get(Entity, rows["GE-1"].donor_id)
    assert donor is not None and donor.kind == "person"
    # A personal number is kept (restricted) to tell donors apart, never published.
    assert donor.identifiers == []
    assert donor.restricted["identifiers"] == [{"scheme": "GE-PN", "id": "01001012345"}]
    assert "01001012345" not in donor.source_key
    company = await session.get(Entity, rows["GE-2"].donor_id)
    assert company is not None and company.kind == "company"
    assert [(i.scheme, i.value) for i in company.identifiers] == [("GE-NAPR", "204567890")]


async def test_personal_numbers_are_never_published(database_url: str, client: HttpClient,
                                                    session: AsyncSession,
                                                    tmp_path: Path) -> None:
    path = tmp_path / "ge.csv"
    path.write_text(
        "reference,date,donor_name,donor_id,donor_id_scheme,recipient,amount,currency\n"
        "GE-1,2024-05-01,Giorgi Beridze,01001012345,GE-PN,Party,100,GEL\n"
        "GE-2,2024-06-01,Giorgi Beridze,01001012345,GE-PN,Party,200,GEL\n"
        "GE-3,2024-06-01,Giorgi Beridze,01001099999,GE-PN,Party,300,GEL\n", encoding="utf-8")
    summary = await import_donations(database_url, [str(path)], fmt="csv", dataset="ge-sao")
    assert summary.imported == 3
    donors = {d.source_ref: d.donor_id for d in (await session.scalars(select(Donation))).all()}
    # The number still tells two namesakes apart, and one donor's gifts together.
    assert donors["GE-1"] == donors["GE-2"] != donors["GE-3"]
    answers = [await client.get(f"/api/v1/entities/{donors['GE-1']}"),
               await client.get("/api/v1/exports/jsonl"),
               await client.get("/api/v1/exports/csv/entity_identifiers"),
               await client.get("/api/v1/exports/csv/entities"),
               await client.get("/api/v1/exports/ftm"),
               await client.get("/api/v1/donations")]
    for answer in answers:
        assert answer.status_code == 200, answer.url
        assert "01001012345" not in answer.text and "01001099999" not in answer.text, answer.url
    assert "Giorgi Beridze" in answers[0].text


@pytest.fixture
async def linked(database_url: str, demo: dict[str, Any]) -> dict[str, Any]:
    await link_demo(database_url)
    return demo


async def _ids(session: AsyncSession) -> dict[str, int]:
    return {f"{d}:{k}": i for d, k, i in await session.execute(
        select(Entity.dataset, Entity.source_key, Entity.id))}


async def test_demo_donation_in_the_story(client: HttpClient, linked: dict[str, Any],
                                          session: AsyncSession) -> None:
    body = (await client.get("/api/v1/contracts/ocds-demo-0001/behind")).json()
    supplier = body["suppliers"][0]
    assert supplier["donations_from"] == "2019-03-15"
    [given] = supplier["donations"]
    assert given["relation"] == "owner"
    assert given["via"]["keys"] == ["GB-COH-07654321"]  # Acme Holdings Ltd, the owner
    assert given["owner_of"]["keys"] == ["GB-COH-01234567"]
    assert given["chains"][0]["hops"][0]["subject"]["keys"] == ["GB-COH-01234567"]
    assert given["donation"]["recipient"]["name"] == "Progress Party"
    assert given["donation"]["value"] == 25000.0 and given["donation"]["currency"] == "GBP"
    # The donor's record is the holding company by its number, written without its zero.
    [hop] = given["hops"]
    assert hop["method"] == "identifier" and hop["status"] == "auto"
    assert hop["to"]["dataset"] == "demo-donations"
    page = await client.get("/contracts/ocds-demo-0001")
    assert "Progress Party" in page.text and "25,000.00 GBP" in page.text


async def test_company_donor_links_by_number_and_shows_behind_the_contract(
        client: HttpClient, linked: dict[str, Any], database_url: str,
        session: AsyncSession, tmp_path: Path) -> None:
    path = write_ec(tmp_path / "ec.csv", [
        ec_row("C1", "ACME CONSTRUCTION LTD", "£7,500.00", "01/02/2023", number="1234567"),
        ec_row("C2", "ACME CONSTRUCTION LTD", "£9.00", "01/02/2012", number="1234567"),
        ec_row("C3", "ACME CONSTRUCTION LTD", "£8.00", "01/05/2024", number="1234567"),
        ec_row("C4", "Mr John Andrew Smith", "£3,000.00", "01/02/2023",
               status="Individual", postcode="EC4Y 1AA"),
    ])
    summary = await import_donations(database_url, [str(path)], dataset="gb-ec")
    await run_linking(database_url, None, run_id=summary.run_id, progress=False)
    ids = await _ids(session)
    donor = ids["gb-ec:donor/GB-COH/01234567"]
    company = ids["demo-bods:GB-COH-01234567"]
    link = await session.scalar(select(Link).where(
        Link.left_id == min(donor, company), Link.right_id == max(donor, company)))
    assert link is not None and link.status == "auto" and link.method == "identifier"
    assert donor in await probe_ids(session)  # `registry link` takes donors too
    # A person donor is never linked automatically on a name alone.
    smith = ids["demo-bods:person-john-smith-1968"]
    person_links = (await session.scalars(select(Link).where(
        (Link.left_id == smith) | (Link.right_id == smith)))).all()
    [donor_person] = [i for k, i in ids.items()
                      if k.startswith("gb-ec:donor/person/john andrew smith/")]
    # The individual's postcode is residential: not in the record's key, nor in the API.
    answer = (await client.get(f"/api/v1/entities/{donor_person}")).text
    assert "EC4Y" not in answer and "EC4Y1AA" not in str(ids)
    assert all(x.status != "auto" for x in person_links
               if donor_person in (x.left_id, x.right_id))

    supplier = (await client.get("/api/v1/contracts/ocds-demo-0001/behind")).json()[
        "suppliers"][0]
    refs = {g["donation"]["reference"]: g for g in supplier["donations"]}
    # Before the window (2012) and after the award (2024-05) are not listed.
    assert set(refs) == {"C1", "C0999001"}
    assert refs["C1"]["relation"] == "supplier"
    assert refs["C1"]["hops"][-1]["to"]["id"] == donor
    assert refs["C1"]["hops"][-1]["evidence"]


async def test_donations_api(client: HttpClient, linked: dict[str, Any],
                             session: AsyncSession) -> None:
    ids = await _ids(session)
    r = await client.get("/api/v1/donations", params={"q": "acme", "value_min": "1000"})
    assert r.status_code == 200
    [d] = r.json()["items"]
    assert d["reference"] == "C0999001" and d["accounting_unit"].startswith("Cities")
    assert d["accepted_date"] == "2022-06-10" and d["status"] == "accepted"
    none = await client.get("/api/v1/donations", params={"date_from": "2023-01-01"})
    assert none.json()["items"] == []
    bad = await client.get("/api/v1/donations", params={"value_min": "lots"})
    assert bad.status_code == 400 and "value_min" in bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    bad = await client.get("/api/v1/donations", params={"cursor": "nope"})
    assert bad.status_code == 400
    # A cursor of the shape the list issues (a date or null, an id) is accepted.
    for values in (["2022-06-10", 1], [None, 1]):
        page = await client.get("/api/v1/donations", params={"cursor": encode_cursor(values)})
        assert page.status_code == 200, page.text

    smith = ids["demo-bods:person-john-smith-1968"]
    base = f"/api/v1/entities/{smith}/donations"
    assert (await client.get(base)).json()["items"] == []
    owned = (await client.get(base, params={"include": "owned,owners"})).json()["items"]
    [x] = owned
    assert x["relation"] == "owned" and x["role"] == "donor"
    assert x["via"]["keys"] == ["donor/GB-COH/07654321"]  # the donor's record
    assert x["chain"][0]["interested_party"]["id"] == smith
    assert x["chain"][-1]["subject"]["keys"] == ["GB-COH-07654321"]  # Acme Holdings Ltd
    assert x["link_hops"][0]["method"] == "identifier"
    assert (await client.get(base, params={"include": "friends"})).status_code == 400
    assert (await client.get("/api/v1/entities/999999/donations")).status_code == 404

    party = ids["demo-donations:recipient/party/progress party"]
    received = (await client.get(f"/api/v1/entities/{party}/donations")).json()["items"]
    assert [(x["role"], x["relation"]) for x in received] == [("recipient", "self")]
    page = await client.get(f"/parties/{party}")
    assert page.status_code == 200
    assert "Acme Construction" in page.text  # a donor (its owned supplier) won a contract
    assert "2022" in page.text and "25,000.00" in page.text
    entity_page = await client.get(f"/entities/{ids['demo-bods:GB-COH-07654321']}")
    assert "Progress Party" in entity_page.text


def test_cli_imports_and_links(database_url: str, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from click.testing import CliRunner

    from registry.cli import cli
    from registry.demo.load import load_demo

    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    assert asyncio.run(load_demo(database_url))
    path = write_ec(tmp_path / "ec.csv", [
        ec_row("C9", "ACME CONSTRUCTION LTD", "£1.00", "01/02/2023", number="1234567")])
    result = CliRunner().invoke(cli, ["import", "donations", "--dataset", "ec", str(path)])
    assert result.exit_code == 0, result.output
    assert "imported 1" in result.output and "auto links" in result.output
    result = CliRunner().invoke(cli, ["import", "donations", "--format", "csv", str(path)])
    assert result.exit_code == 0 and "missing columns" in result.output

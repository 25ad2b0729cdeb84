"""``registry import companies``: company registers give companies their names, previous
names, addresses and status, and join the PSC snapshot and BODS by identifier."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from importers.bods.importer import import_bods
from importers.companies import import_companies
from importers.ocds.importer import import_ocds
from importers.psc import import_psc
from registry.cli import cli
from registry.exports.bods import export_bods
from registry.links.jobs import run_linking
from registry.models import Entity, ImportError_, Link
from tests.bods_support import libcove_errors
from tests.companies_support import (
    ACME,
    ACME_NUMBER,
    BAD_DATE,
    HIGHLAND,
    SMITH,
    psc_lines,
    release,
    write_psc,
    write_release_package,
    write_uk_csv,
    write_uk_zip,
)

HttpClient = AsyncTestClient[Litestar]


async def _entity(session: AsyncSession, dataset: str, key: str) -> Entity:
    return (await session.scalars(select(Entity).where(
        Entity.dataset == dataset, Entity.source_key == key))).one()


async def test_uk_company_data_as_published(database_url: str, session: AsyncSession,
                                            tmp_path: Path) -> None:
    path = write_uk_zip(tmp_path / "BasicCompanyData-2024-05-01.zip",
                        [[ACME, BAD_DATE], [HIGHLAND]])
    result = await import_companies(database_url, [str(path)], fmt="uk-ch", batch_size=2)
    s = result.summary
    assert (s.read, s.imported, s.skipped) == (3, 2, 1)
    [error] = (await session.scalars(select(ImportError_))).all()
    assert error.path.endswith("part1_2.csv") and error.position == "line 3"
    assert error.reason == "bad date in IncorporationDate: '2014-07-20' (DD/MM/YYYY)"

    acme = await _entity(session, "gb-companies", f"GB-COH-{ACME_NUMBER}")
    assert acme.name == "ACME CONSTRUCTION LIMITED" and acme.kind == "company"
    assert acme.legal_form == "Private Limited Company" and acme.country == "GB"
    assert acme.founding_date == "2014-07-20" and acme.dissolution_date is None
    assert acme.data["status"] == "Active"
    assert acme.data["sic_codes"] == ["41202 - Construction of domestic buildings"]
    assert acme.addresses == [{"type": "registered", "address": "1 BUILDER STREET, LEEDS",
                               "postCode": "LS1 1AA",
                               "country": {"name": "ENGLAND", "code": "GB"}}]
    assert [(i.scheme, i.value) for i in acme.identifiers] == [("GB-COH", ACME_NUMBER)]
    names = sorted((n.name, n.type, n.valid_from, n.valid_to) for n in acme.names)
    assert names == [
        ("ACME BUILDERS LIMITED", "former", dt.date(2016, 3, 15), dt.date(2019, 6, 30)),
        ("ACME CONSTRUCTION LIMITED", "legal", dt.date(2019, 7, 1), None),
        ("LEEDS BRICK CO LIMITED", "former", dt.date(2014, 7, 20), dt.date(2016, 3, 14)),
    ]
    highland = await _entity(session, "gb-companies", "GB-COH-SC123456")
    assert highland.dissolution_date == "2022-01-15" and highland.data["status"] == "Dissolved"

    again = await import_companies(database_url, [str(path)], fmt="uk-ch")
    assert (again.summary.imported, again.summary.updated, again.summary.unchanged) == (0, 0, 2)
    # A changed row is a new version of its record; the others stay as they are.
    renamed = [*ACME]
    renamed[0] = "ACME CONSTRUCTION GROUP LIMITED"
    changed = await import_companies(
        database_url, [str(write_uk_csv(tmp_path / "may.csv", [renamed, HIGHLAND]))],
        fmt="uk-ch")
    assert (changed.summary.updated, changed.summary.unchanged) == (1, 1)


async def _import(database_url: str, which: str, files: dict[str, Path]) -> None:
    """One import as ``registry import`` runs it: the import, then linking what it wrote."""
    if which == "companies":
        run_id = (await import_companies(database_url, [str(files[which])],
                                         fmt="uk-ch")).summary.run_id
    elif which == "psc":
        run_id = (await import_psc(database_url, [str(files[which])])).summary.run_id
    else:
        run_id = (await import_ocds(database_url, [files[which]], workers=1)).run_id
    assert run_id is not None
    await run_linking(database_url, None, run_id=run_id, progress=False)


ORDERS = [("companies", "psc", "ocds"), ("ocds", "psc", "companies"),
          ("psc", "ocds", "companies"), ("ocds", "companies", "psc")]


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
async def test_owners_of_a_supplier_named_only_in_words(
        order: tuple[str, str, str], database_url: str, client: HttpClient,
        session: AsyncSession, tmp_path: Path) -> None:
    """The UK's three published files, in any order: a contract won by "Acme Construction
    Ltd" (no company number) shows the company's PSC owners."""
    files = {
        "companies": write_uk_csv(tmp_path / "BasicCompanyData.csv", [ACME, HIGHLAND]),
        "psc": write_psc(tmp_path / "psc-snapshot.txt", psc_lines()),
        "ocds": write_release_package(tmp_path / "releases.json", [
            release("ocds-uk-0001", "2024-03-01", "Acme Construction Ltd")]),
    }
    for which in order:
        await _import(database_url, which, files)

    r = await client.get("/api/v1/contracts/ocds-uk-0001/behind")
    assert r.status_code == 200, r.text
    [supplier] = r.json()["suppliers"]
    assert supplier["supplier"]["name"] == "Acme Construction Ltd"
    companies = {c["entity"]["dataset"]: c for c in supplier["companies"]}
    assert companies["gb-companies"]["entity"]["name"] == "ACME CONSTRUCTION LIMITED"
    assert companies["gb-psc"]["entity"]["name"] == ACME_NUMBER
    # The PSC's company, named only by its number, is shown with the register's name.
    assert companies["gb-psc"]["entity"]["known_as"] == "ACME CONSTRUCTION LIMITED"
    methods = [h["method"] for h in companies["gb-psc"]["hops"]]
    assert methods == ["name", "identifier"]
    [owner] = supplier["owners"]
    assert owner["entity"]["name"] == f"Mr {SMITH}"
    assert owner["via_company"]["dataset"] == "gb-psc"
    assert owner["via_company"]["known_as"] == "ACME CONSTRUCTION LIMITED"
    assert owner["effective_share"]["min"] == 75

    # The register's company shows the owners recorded under the PSC's record of it.
    company_id = companies["gb-companies"]["entity"]["id"]
    r = await client.get(f"/api/v1/entities/{company_id}/owners")
    assert r.status_code == 200, r.text
    assert r.json()["items"] == []
    [linked] = r.json()["linked"]
    assert linked["entity"]["dataset"] == "gb-psc"
    assert [o["entity"]["name"] for o in linked["items"]] == [f"Mr {SMITH}"]
    page = await client.get(f"/entities/{company_id}")
    assert "Owners recorded under" in page.text and f"Mr {SMITH}" in page.text
    assert f'{ACME_NUMBER}</a> <span class="muted">(ACME CONSTRUCTION LIMITED)</span>' \
        in page.text


async def test_psc_totals_line_is_checked(database_url: str, tmp_path: Path) -> None:
    good = await import_psc(database_url, [str(write_psc(tmp_path / "a.txt", psc_lines()))])
    assert good.summary.skipped == 0 and good.summary.read == 2
    assert good.notes == [
        "totals line: exemptions_count 0, as read",
        "totals line: persons_of_significant_control_count 1, as read",
        "totals line: statements_count 0, as read"]
    assert "as read" in good.render()

    bad = await import_psc(database_url, [str(write_psc(
        tmp_path / "b.txt", psc_lines(persons=3, statements=1)))], dataset="other")
    assert bad.summary.skipped == 0
    assert "totals line: persons_of_significant_control_count 3, but 1 read: MISMATCH" \
        in bad.notes
    assert "totals line: statements_count 1, but 0 read: MISMATCH" in bad.notes


async def test_search_finds_a_company_by_a_former_name(
        database_url: str, client: HttpClient, tmp_path: Path) -> None:
    await import_companies(database_url, [str(write_uk_csv(tmp_path / "c.csv", [ACME]))],
                           fmt="uk-ch")
    r = await client.get("/api/v1/search", params={"q": "Acme Builders Ltd"})
    assert r.status_code == 200, r.text
    [hit] = r.json()["items"]
    assert hit["entity"]["name"] == "ACME CONSTRUCTION LIMITED"
    assert hit["former_names"] == [{"name": "ACME BUILDERS LIMITED", "type": "former",
                                    "valid_from": "2016-03-15", "valid_to": "2019-06-30"}]
    assert hit["entity"]["status"] == "Active"
    # By its current name, no former name is shown.
    r = await client.get("/api/v1/search", params={"q": "Acme Construction"})
    assert "former_names" not in r.json()["items"][0]
    page = await client.get("/search", params={"q": "Acme Builders"})
    assert "former name: ACME BUILDERS LIMITED (2016-03-15 to 2019-06-30)" in page.text


GENERIC = """name,id,scheme,jurisdiction,legal_form,address,postal_code,status,founding_date,\
dissolution_date,name_from,previous_names
Dnipro Build LLC,01234567,UA-EDR,UA,LLC,"1 Naberezhna St, Dnipro",49000,dissolved,2012-04-02,\
2021-05-01,2020-01-01,Old Dnipro Build LLC|2012-04-02|2019-12-31
Broken Co,555,UA-EDR,UA,,,,,01/02/2010,,,
,777,UA-EDR,UA,,,,,,,,
"""


async def test_generic_register_csv_and_the_dissolved_flag(
        database_url: str, client: HttpClient, session: AsyncSession, tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(GENERIC, encoding="utf-8")
    result = await import_companies(database_url, [str(path)], fmt="csv")
    s = result.summary
    assert (s.read, s.imported, s.skipped) == (3, 1, 2)
    reasons = sorted((e.position, e.reason) for e in
                     (await session.scalars(select(ImportError_))).all())
    assert reasons == [("line 3", "bad date in founding_date: '01/02/2010' (YYYY-MM-DD)"),
                       ("line 4", "missing name")]
    company = await _entity(session, "companies", "UA-EDR-01234567")
    assert (company.country, company.legal_form, company.founding_date,
            company.dissolution_date, company.data["status"]) == (
        "UA", "LLC", "2012-04-02", "2021-05-01", "dissolved")
    assert sorted((n.name, n.type, n.valid_from, n.valid_to) for n in company.names) == [
        ("Dnipro Build LLC", "legal", dt.date(2020, 1, 1), None),
        ("Old Dnipro Build LLC", "former", dt.date(2012, 4, 2), dt.date(2019, 12, 31))]

    ocds = write_release_package(tmp_path / "r.json", [
        release("ocds-ua-1", "2023-02-01", "Dnipro Build LLC", "Ukraine"),
        release("ocds-ua-2", "2020-06-01", "Dnipro Build LLC", "Ukraine")])
    run_id = (await import_ocds(database_url, [ocds], workers=1)).run_id
    assert run_id is not None
    await run_linking(database_url, None, run_id=run_id, progress=False)
    late = (await client.get("/api/v1/contracts/ocds-ua-1/behind")).json()["suppliers"][0]
    assert "companies" in [c["entity"]["dataset"] for c in late["companies"]]
    assert late["dissolved_before_award"] == [{
        "entity": late["dissolved_before_award"][0]["entity"],
        "dissolution_date": "2021-05-01", "status": "dissolved"}]
    assert late["dissolved_before_award"][0]["entity"]["id"] == company.id
    early = (await client.get("/api/v1/contracts/ocds-ua-2/behind")).json()["suppliers"][0]
    assert early["dissolved_before_award"] == []
    page = await client.get("/contracts/ocds-ua-1")
    assert "dissolved before the award" in page.text
    assert "dissolved before the award" not in (await client.get("/contracts/ocds-ua-2")).text


def _bods_entity(path: Path) -> Path:
    statement = {
        "statementID": "openownership-register-000000000099", "statementType": "entityStatement",
        "statementDate": "2020-01-01", "entityType": "registeredEntity",
        "name": "Acme Construction Ltd",
        "identifiers": [{"scheme": "GB-COH", "id": ACME_NUMBER.lstrip("0")}],
        "incorporatedInJurisdiction": {"name": "United Kingdom", "code": "GB"},
        "publicationDetails": {"publicationDate": "2020-01-02", "bodsVersion": "0.3",
                               "publisher": {"name": "Test publisher"}},
        "isComponent": False}
    path.write_text(json.dumps([statement]))
    return path


@pytest.mark.parametrize("bods_first", [True, False])
async def test_bods_and_register_join_by_identifier(
        bods_first: bool, database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    register = write_uk_csv(tmp_path / "c.csv", [ACME])
    bods = _bods_entity(tmp_path / "bods.json")
    for step in ([bods, register] if bods_first else [register, bods]):
        if step == bods:
            assert (await import_bods(database_url, [str(bods)])).summary.imported == 1
        else:
            await import_companies(database_url, [str(register)], fmt="uk-ch")
    [link] = (await session.scalars(select(Link))).all()
    ends = {(await session.get(Entity, i)).dataset  # type: ignore[union-attr]
            for i in (link.left_id, link.right_id)}
    assert ends == {"bods", "gb-companies"}
    assert (link.status, link.method, link.score) == ("auto", "identifier", 1.0)
    assert link.evidence["identifier"] == {"scheme": "GB-COH", "left": ACME_NUMBER,
                                           "right": ACME_NUMBER, "agreement": "equal"}
    assert "joined by identifier at import" in link.evidence["rules"]


async def test_linking_uses_the_name_in_force_on_the_award_date(
        database_url: str, client: HttpClient, tmp_path: Path) -> None:
    """ACME BUILDERS LIMITED was the company's name from 2016-03-15 to 2019-06-30: a
    supplier of that name is the company on a 2018 award, not on a 2022 one."""
    await import_companies(database_url, [str(write_uk_csv(tmp_path / "c.csv", [ACME]))],
                           fmt="uk-ch")
    ocds = write_release_package(tmp_path / "r.json", [
        release("ocds-uk-2018", "2018-05-01", "Acme Builders Ltd"),
        release("ocds-uk-2022", "2022-05-01", "Acme Builders Ltd")])
    run_id = (await import_ocds(database_url, [ocds], workers=1)).run_id
    assert run_id is not None
    await run_linking(database_url, None, run_id=run_id, progress=False)

    then = (await client.get("/api/v1/contracts/ocds-uk-2018/behind")).json()["suppliers"][0]
    [company] = [c for c in then["companies"] if c["entity"]["dataset"] == "gb-companies"]
    assert company["hops"][-1]["method"] == "name"
    assert "names in force on the award date (2018-05-01) only" in \
        company["hops"][-1]["evidence"]["rules"]
    later = (await client.get("/api/v1/contracts/ocds-uk-2022/behind")).json()["suppliers"][0]
    assert [c["entity"]["dataset"] for c in later["companies"]] == []


async def test_status_dissolution_and_former_names_are_exported(
        database_url: str, client: HttpClient, tmp_path: Path) -> None:
    await import_companies(database_url, [str(write_uk_csv(tmp_path / "c.csv",
                                                           [ACME, HIGHLAND]))], fmt="uk-ch")
    entities = list(csv.DictReader(io.StringIO(
        (await client.get("/api/v1/exports/csv/entities")).text)))
    by_name = {e["name"]: e for e in entities}
    assert by_name["HIGHLAND WIDGETS LTD"]["status"] == "Dissolved"
    assert by_name["HIGHLAND WIDGETS LTD"]["dissolution_date"] == "2022-01-15"
    assert by_name["ACME CONSTRUCTION LIMITED"]["status"] == "Active"
    names = list(csv.DictReader(io.StringIO(
        (await client.get("/api/v1/exports/csv/entity_names")).text)))
    assert {(n["name"], n["type"], n["valid_from"], n["valid_to"]) for n in names} >= {
        ("ACME BUILDERS LIMITED", "former", "2016-03-15", "2019-06-30")}
    ftm = [json.loads(line) for line in
           (await client.get("/api/v1/exports/ftm")).text.splitlines() if line.strip()]
    highland = next(e for e in ftm if "HIGHLAND WIDGETS LTD" in e["properties"]["name"])
    assert highland["properties"]["status"] == ["Dissolved"]
    assert highland["properties"]["dissolutionDate"] == ["2022-01-15"]
    acme = next(e for e in ftm if "ACME CONSTRUCTION LIMITED" in e["properties"]["name"])
    assert "ACME BUILDERS LIMITED" in acme["properties"]["previousName"]
    page = await client.get(f"/entities/{by_name['HIGHLAND WIDGETS LTD']['id']}")
    assert "<dt>Status</dt><dd>Dissolved</dd>" in page.text


def test_the_command(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     ) -> None:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", database_url)
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    path = write_uk_zip(tmp_path / "BasicCompanyData.zip", [[ACME, BAD_DATE], [HIGHLAND]])
    runner = CliRunner()
    result = runner.invoke(cli, ["import", "companies", "--format", "uk-ch", str(path)])
    assert result.exit_code == 0, result.output
    assert "read 3  imported 2  updated 0  unchanged 0  skipped 1" in result.output
    assert "bad date in IncorporationDate" in result.output
    again = runner.invoke(cli, ["import", "companies", "--format", "uk-ch", "--no-link",
                                str(path)])
    assert again.exit_code == 0, again.output
    assert "unchanged 2" in again.output
    missing = runner.invoke(cli, ["import", "companies", str(path)])
    assert missing.exit_code == 2 and "--format" in missing.output


async def test_register_companies_export_as_valid_bods(database_url: str,
                                                       tmp_path: Path) -> None:
    await import_companies(database_url, [str(write_uk_csv(tmp_path / "c.csv",
                                                           [ACME, HIGHLAND]))], fmt="uk-ch")
    out = tmp_path / "bods.json"
    await export_bods(database_url, out, ["gb-companies"])
    statements = json.loads(out.read_text())
    assert libcove_errors(out) == []
    acme = next(s for s in statements if s["recordId"] == f"GB-COH-{ACME_NUMBER}")
    assert acme["source"]["description"].startswith("UK Companies House")
    details = acme["recordDetails"]
    assert details["name"] == "ACME CONSTRUCTION LIMITED"
    assert "ACME BUILDERS LIMITED" in details.get("alternateNames", [])
    highland = next(s for s in statements if s["recordId"] == "GB-COH-SC123456")
    assert highland["recordDetails"]["dissolutionDate"] == "2022-01-15"


async def test_crash_mid_import_resumes_after_the_last_batch(
        database_url: str, session: AsyncSession, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importers.companies as companies

    path = write_uk_csv(tmp_path / "c.csv", [ACME, BAD_DATE, HIGHLAND])
    real = companies.write_mapped  # type: ignore[attr-defined]
    calls = 0

    async def dies_on_the_second_batch(*args: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("killed")
        await real(*args)

    monkeypatch.setattr(companies, "write_mapped", dies_on_the_second_batch)
    with pytest.raises(RuntimeError, match="killed"):
        await import_companies(database_url, [str(path)], fmt="uk-ch", batch_size=2)
    # ACME and the bad row are committed with their checkpoint; HIGHLAND rolled back.
    keys = set((await session.scalars(select(Entity.source_key))).all())
    assert keys == {f"GB-COH-{ACME_NUMBER}"}
    monkeypatch.setattr(companies, "write_mapped", real)
    resumed = (await import_companies(database_url, [str(path)], fmt="uk-ch",
                                      batch_size=2)).summary
    assert (resumed.read, resumed.imported, resumed.skipped) == (1, 1, 0)
    keys = set((await session.scalars(select(Entity.source_key))).all())
    assert keys == {f"GB-COH-{ACME_NUMBER}", "GB-COH-SC123456"}
    assert len((await session.scalars(select(ImportError_))).all()) == 1

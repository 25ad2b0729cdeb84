"""The OCDS importer: packagings, compilation with ocdsmerge, entities, history, idempotence,
bad input, resuming."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from ocdsmerge import Merger
from ocdsmerge.rules import get_merge_rules
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

import importers.ocds.compile as ocds_compile
from importers.ocds.importer import import_ocds
from importers.ocds.stage import ReleaseStager
from registry.models import (
    Award,
    Contract,
    ContractAgreement,
    ContractParty,
    ContractPending,
    Entity,
    ImportError_,
    ImportRun,
    RecordVersion,
    SearchOutbox,
)
from registry.standards.ocds import schema_path

DATA = Path(__file__).parent / "data" / "ocds"
RELEASES = DATA / "release-package.json"
UPDATE = DATA / "update-package.json"
RECORDS = DATA / "record-package.json"


def releases_in(*paths: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in paths:
        out.extend(json.loads(p.read_text())["releases"])
    return out


def merge(releases: list[dict[str, Any]]) -> dict[str, Any]:
    """The compiled release ocdsmerge itself makes (from the bundled schema)."""
    merger = Merger(merge_rules=get_merge_rules(str(schema_path())))
    compiled: dict[str, Any] = merger.create_compiled_release(releases)
    return compiled


async def contract(session: AsyncSession, ocid: str, dataset: str = "ocds") -> Contract:
    session.expire_all()
    return (await session.scalars(select(Contract).where(
        Contract.ocid == ocid, Contract.dataset == dataset))).one()


async def entity(session: AsyncSession, key: str, dataset: str = "ocds") -> Entity:
    return (await session.scalars(select(Entity).where(
        Entity.source_key == key, Entity.dataset == dataset))).one()


async def snapshot(session: AsyncSession) -> dict[str, Any]:
    """Everything the importer writes, with the timestamps that would betray a rewrite."""
    session.expire_all()
    q = {
        "contracts": "SELECT id, ocid, compiled, release_count, updated_at FROM contracts",
        "entities": "SELECT id, source_key, statement_id, updated_at FROM entities",
        "names": "SELECT id, entity_id, name FROM entity_names",
        "identifiers": "SELECT id, entity_id, scheme, value FROM entity_identifiers",
        "parties": "SELECT id, contract_id, entity_id, role FROM contract_parties",
        "awards": "SELECT id, contract_id, award_id FROM awards",
        "suppliers": "SELECT id, award_id, entity_id FROM award_suppliers",
        "agreements": "SELECT id, contract_id, agreement_id FROM contract_agreements",
        "releases": "SELECT id, version_key, content FROM record_versions",
    }
    return {k: sorted(map(tuple, (await session.execute(text(v + " ORDER BY id"))).all()),
                      key=str) for k, v in q.items()}


async def test_release_package_is_compiled_per_ocid(database_url: str,
                                                    session: AsyncSession) -> None:
    summary = await import_ocds(database_url, [RELEASES, UPDATE])
    assert (summary.read, summary.skipped) == (4, 0)
    assert summary.imported + summary.updated == 4

    c1 = await contract(session, "ocds-test-001")
    expected = merge([r for r in releases_in(RELEASES, UPDATE) if r["ocid"] == "ocds-test-001"])
    assert c1.compiled == expected
    assert c1.release_count == 3
    assert c1.title == "Bridge inspection framework"
    assert c1.status == "complete"  # from the latest release
    assert c1.date is not None and c1.date.isoformat() == "2024-03-01T09:00:00+00:00"
    # No signed contract: the contract value is the awarded value.
    assert (float(c1.value_amount or 0), c1.value_currency) == (95000.5, "GBP")

    buyer = await entity(session, "ocds-test-001/GB-GOR-PB123")
    assert c1.buyer_id == buyer.id
    assert buyer.kind == "public_body" and buyer.country == "GB"
    assert [(i.scheme, i.value) for i in buyer.identifiers] == [("GB-GOR", "PB123")]
    assert {n.name for n in buyer.names} == {"Ministry of Roads", "The Ministry of Roads"}
    assert buyer.addresses[0]["postCode"] == "SW1A 2HQ"
    assert buyer.data["contactPoint"]["name"] == "Procurement desk"

    alpha = await entity(session, "ocds-test-001/GB-COH-01234567")
    assert alpha.kind == "company"
    assert {(i.scheme, i.value) for i in alpha.identifiers} == {
        ("GB-COH", "01234567"), ("XI-LEI", "213800ABCDEFGHIJKL12")}
    assert (await entity(session, "ocds-test-001/jane-doe")).kind == "person"
    assert (await entity(session, "ocds-test-001/jane-doe")).country == "IE"
    assert (await entity(session, "ocds-test-001/GB-GOR-PA9")).kind == "public_body"

    roles = {(p.party_id, p.role) for p in c1.parties}
    assert roles == {("GB-GOR-PB123", "buyer"), ("GB-GOR-PA9", "procuringEntity"),
                     ("GB-COH-01234567", "tenderer"), ("GB-COH-01234567", "supplier"),
                     ("DE-CR-HRB999", "tenderer"), ("jane-doe", "tenderer")}
    [award] = c1.awards
    assert award.award_id == "001-A1" and award.status == "active"
    assert [s.entity_id for s in award.suppliers] == [alpha.id]
    assert award.date is not None and award.date.date().isoformat() == "2024-02-28"

    c2 = await contract(session, "ocds-test-002")
    [agreement] = c2.agreements
    assert (agreement.agreement_id, agreement.award_id) == ("002-C1", "002-A1")
    assert agreement.period_end is not None and agreement.period_end.year == 2024
    # A signed contract exists: its value is the contract value.
    assert (float(c2.value_amount or 0), c2.value_currency) == (500000, "UAH")
    lviv = await entity(session, "ocds-test-002/UA-EDR-12345678")
    assert lviv.country == "UA" and "Lviv City Council" in {n.name for n in lviv.names}

    # The search index hears about every new entity.
    outboxed = set((await session.scalars(select(SearchOutbox.entity_id))).all())
    assert set((await session.scalars(select(Entity.id))).all()) <= outboxed


async def test_releases_of_one_ocid_spread_over_batches_and_runs(database_url: str,
                                                                 session: AsyncSession) -> None:
    # A batch of one value: every release of ocds-test-001 lands in a different transaction.
    first = await import_ocds(database_url, [RELEASES], batch=1, chunk=1)
    assert (first.imported, first.updated) == (3, 0)  # both processes are new
    before = await contract(session, "ocds-test-001")
    assert before.release_count == 2 and before.status == "active" and not before.awards

    second = await import_ocds(database_url, [UPDATE], batch=1)
    assert (second.imported, second.updated, second.unchanged) == (0, 1, 0)
    after = await contract(session, "ocds-test-001")
    assert after.id == before.id
    assert after.release_count == 3 and after.status == "complete" and len(after.awards) == 1
    assert after.compiled == merge(
        [r for r in releases_in(RELEASES, UPDATE) if r["ocid"] == "ocds-test-001"])
    # The history: every release is kept, in date order.
    history = (await session.scalars(
        select(RecordVersion.version_key).where(RecordVersion.source_key == "ocds-test-001")
        .order_by(RecordVersion.valid_from))).all()
    assert history == ["ocds-test-001/001-tender", "ocds-test-001/001-tenderers",
                       "ocds-test-001/001-award"]


async def test_reimporting_changes_nothing(database_url: str, session: AsyncSession) -> None:
    await import_ocds(database_url, [RELEASES, UPDATE, RECORDS])
    before = await snapshot(session)
    again = await import_ocds(database_url, [RELEASES, UPDATE, RECORDS])
    assert again.imported == again.updated == again.skipped == 0
    assert again.unchanged == again.read == 7
    assert await snapshot(session) == before


async def test_record_packages_use_embedded_releases_else_the_compiled_one(
        database_url: str, session: AsyncSession) -> None:
    summary = await import_ocds(database_url, [RECORDS], dataset="ocds-records")
    assert summary.skipped == 0
    c3 = await contract(session, "ocds-test-003", "ocds-records")
    record = json.loads(RECORDS.read_text())["records"]
    assert c3.compiled == merge(record[0]["releases"])  # not the record's own compiledRelease
    assert c3.release_count == 2
    assert float(c3.value_amount or 0) == 68000
    sol = await entity(session, "ocds-test-003/ES-RMC-B999", "ocds-records")
    assert [s.entity_id for s in c3.awards[0].suppliers] == [sol.id]
    # Linked releases cannot be fetched offline: the compiled release stands in for them.
    c4 = await contract(session, "ocds-test-004", "ocds-records")
    assert c4.release_count == 1 and c4.title == "Travaux de voirie"
    assert c4.buyer_id == (await entity(session, "ocds-test-004/FR-SIRET-1", "ocds-records")).id


def _write_variants(tmp_path: Path) -> list[Path]:
    releases = releases_in(RELEASES, UPDATE)
    lines = tmp_path / "releases.jsonl"
    lines.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in releases[:2]))
    packages = tmp_path / "packages.jsonl.gz"
    with gzip.open(packages, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"uri": "u", "releases": releases[2:3]}) + "\n")
    archive = tmp_path / "more.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a/array.json", json.dumps(releases[3:]))
        zf.writestr("b/records.json", RECORDS.read_text())
    return [lines, packages, archive]


async def test_a_single_pretty_printed_release_is_read(database_url: str,
                                                       session: AsyncSession,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "one-release.json"
    path.write_text(json.dumps(releases_in(RELEASES)[1], indent=2, ensure_ascii=False))
    summary = await import_ocds(database_url, [path])
    assert (summary.read, summary.imported, summary.skipped) == (1, 1, 0)
    assert (await contract(session, "ocds-test-002")).release_count == 1


async def test_every_packaging_gives_the_same_result(database_url: str, session: AsyncSession,
                                                     tmp_path: Path) -> None:
    variants = _write_variants(tmp_path)
    summary = await import_ocds(database_url, variants, dataset="variants")
    assert summary.read == 7 and summary.skipped == 0
    await import_ocds(database_url, [RELEASES, UPDATE, RECORDS], dataset="packages")
    session.expire_all()
    compiled = {}
    for ds in ("variants", "packages"):
        rows = await session.execute(select(Contract.ocid, Contract.compiled)
                                     .where(Contract.dataset == ds))
        compiled[ds] = {ocid: value for ocid, value in rows}
    assert len(compiled["packages"]) == 4
    assert compiled["variants"] == compiled["packages"]


async def test_bad_releases_are_reported_with_position_and_skipped(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    good = releases_in(RELEASES)
    bad_amount = {**good[1], "id": "bad-amount",
                  "awards": [{"id": "x", "value": {"amount": "1,000", "currency": "UAH"}}]}
    lines = [json.dumps(good[0]), "{not json", json.dumps({"ocid": "ocds-test-009"}),
             json.dumps({**good[1], "date": "yesterday"}), json.dumps(bad_amount),
             json.dumps(["a", "list"]), json.dumps({**good[2], "parties": {"id": "x"}}),
             json.dumps(good[1])]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary = await import_ocds(database_url, [path])
    assert summary.read == 8 and summary.skipped == 6
    assert summary.imported == 2
    errors = {e.position: e.reason for e in (await session.scalars(select(ImportError_))).all()}
    assert set(errors) == {"line 2", "line 3", "line 4", "line 5", "line 6", "line 7"}
    assert errors["line 2"].startswith("invalid JSON")
    assert errors["line 3"] == "missing field: id"
    assert errors["line 4"].startswith("invalid date")
    assert "awards[0].value.amount" in errors["line 5"]
    assert errors["line 6"].startswith("not a release")
    assert "parties" in errors["line 7"]
    assert summary.reasons["missing field"] == 1
    ocids = set((await session.scalars(select(Contract.ocid))).all())
    assert ocids == {"ocds-test-001", "ocds-test-002"}


async def test_a_release_that_cannot_be_merged_is_skipped_and_not_kept(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    base = {"ocid": "ocds-test-merge", "tag": ["planning"], "initiationType": "tender"}
    first = {**base, "id": "p1", "date": "2024-01-01T00:00:00Z",
             "planning": {"budget": "a budget as a string"}}
    # ocdsmerge cannot put an object where an earlier release had a string.
    clash = {**base, "id": "p2", "date": "2024-02-01T00:00:00Z",
             "planning": {"budget": {"id": "b1", "description": "roads"}}}
    later = {**base, "id": "p3", "date": "2024-03-01T00:00:00Z",
             "tender": {"id": "t", "title": "Roads"}}
    path = tmp_path / "clash.json"
    path.write_text(json.dumps([first, clash, later]))
    summary = await import_ocds(database_url, [path])
    assert summary.skipped == 1 and summary.imported == 2
    [error] = (await session.scalars(select(ImportError_))).all()
    assert error.position == "item 2, release p2 of ocds-test-merge"
    assert error.path == str(path) and error.reason.startswith("merge conflict")
    c = await contract(session, "ocds-test-merge")
    assert c.compiled == merge([first, later]) and c.release_count == 2
    keys = set((await session.scalars(select(RecordVersion.version_key))).all())
    assert keys == {"ocds-test-merge/p1", "ocds-test-merge/p3"}


async def test_schema_validation_is_optional(database_url: str, session: AsyncSession,
                                             tmp_path: Path) -> None:
    release = {k: v for k, v in releases_in(RELEASES)[0].items() if k != "initiationType"}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(release))
    strict = await import_ocds(database_url, [path], dataset="strict", validate=True)
    assert strict.skipped == 1 and "initiationType" in next(iter(strict.reasons)) + str(
        (await session.scalars(select(ImportError_.reason))).one())
    lenient = await import_ocds(database_url, [path], dataset="lenient")
    assert lenient.imported == 1 and lenient.skipped == 0


@pytest.mark.parametrize("phase", ["stage", "compile"])
async def test_a_crashed_import_resumes_and_ends_as_a_clean_one(
        database_url: str, session: AsyncSession, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, phase: str) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for p in (RELEASES, UPDATE, RECORDS):
        shutil.copy(p, src / p.name)
    calls = 0
    if phase == "stage":
        real_flush = ReleaseStager.flush

        async def crashing_flush(self: ReleaseStager) -> tuple[int, int]:
            nonlocal calls
            calls += 1
            if calls == 3:
                raise RuntimeError("power cut")
            return await real_flush(self)

        monkeypatch.setattr(ReleaseStager, "flush", crashing_flush)
    else:
        real_compile = ocds_compile.compile_chunk

        async def crashing_compile(*args: Any) -> Any:
            nonlocal calls
            calls += 1
            if calls == 3:
                raise RuntimeError("power cut")
            return await real_compile(*args)

        monkeypatch.setattr(ocds_compile, "compile_chunk", crashing_compile)
    with pytest.raises(RuntimeError):
        await import_ocds(database_url, [src], batch=2, chunk=1)
    run = (await session.scalars(select(ImportRun))).one()
    # The checkpoint is the last commit: two batches of two values in the stage phase.
    assert run.status == "failed" and sum(run.checkpoint.values()) == (4 if phase == "stage"
                                                                         else 6)
    queued = await session.scalar(select(func.count()).select_from(ContractPending))
    # stage: the processes of the first four values (003, 004, 001, 002), none compiled yet;
    # compile: all four queued, two compiled (one per chunk) before the crash.
    assert queued == (4 if phase == "stage" else 2)
    monkeypatch.undo()

    resumed = await import_ocds(database_url, [src], batch=2, chunk=1)
    session.expire_all()
    assert (await session.scalars(select(ImportRun))).one().status == "completed"
    assert resumed.skipped == 0
    assert await session.scalar(select(func.count()).select_from(Contract)) == 4
    assert await session.scalar(select(func.count()).select_from(ContractPending)) == 0

    # The same state as an import that never crashed, into another dataset.
    await import_ocds(database_url, [src], dataset="clean")
    rows = await session.execute(select(Contract.dataset, Contract.ocid, Contract.compiled,
                                        Contract.release_count))
    by_ds: dict[str, dict[str, Any]] = {}
    for ds, ocid, compiled, count in rows:
        by_ds.setdefault(ds, {})[ocid] = (compiled, count)
    assert by_ds["ocds"] == by_ds["clean"]


async def test_processes_left_queued_by_an_abandoned_run_are_compiled_by_the_next(
        database_url: str, session: AsyncSession, monkeypatch: pytest.MonkeyPatch) -> None:
    async def no_compile(*args: Any) -> Any:
        raise RuntimeError("killed")

    monkeypatch.setattr(ocds_compile, "compile_chunk", no_compile)
    with pytest.raises(RuntimeError):
        await import_ocds(database_url, [RELEASES])
    monkeypatch.undo()
    assert await session.scalar(select(func.count()).select_from(Contract)) == 0
    summary = await import_ocds(database_url, [UPDATE])  # another input, another run
    # The four releases of both processes are new to the contracts: all "imported" here.
    assert summary.imported == 4 and summary.updated == 0
    assert await session.scalar(select(func.count()).select_from(Contract)) == 2
    c1 = await contract(session, "ocds-test-001")
    assert c1.compiled == merge(
        [r for r in releases_in(RELEASES, UPDATE) if r["ocid"] == "ocds-test-001"])


async def test_an_older_release_arriving_later_is_merged_in_date_order(
        database_url: str, session: AsyncSession) -> None:
    await import_ocds(database_url, [UPDATE])  # the award, before the tender it follows
    await import_ocds(database_url, [RELEASES])
    c1 = await contract(session, "ocds-test-001")
    assert c1.compiled == merge(
        [r for r in releases_in(RELEASES, UPDATE) if r["ocid"] == "ocds-test-001"])
    assert c1.release_count == 3 and c1.status == "complete"


async def test_a_corrected_release_replaces_the_old_one(database_url: str, session: AsyncSession,
                                                        tmp_path: Path) -> None:
    await import_ocds(database_url, [RELEASES, UPDATE])
    releases = releases_in(RELEASES, UPDATE)
    corrected = json.loads(json.dumps(releases[3]))
    corrected["awards"][0]["value"]["amount"] = 90000
    path = tmp_path / "corrected.json"
    path.write_text(json.dumps(corrected))
    summary = await import_ocds(database_url, [path])
    assert summary.updated == 1
    c1 = await contract(session, "ocds-test-001")
    assert float(c1.value_amount or 0) == 90000 and c1.release_count == 3
    assert c1.compiled == merge([r for r in [*releases[:3], corrected]
                                 if r["ocid"] == "ocds-test-001"])


async def test_demo_contracts_come_from_the_ocds_importer(demo: dict[str, Any],
                                                          session: AsyncSession) -> None:
    rows = (await session.scalars(select(Contract).order_by(Contract.ocid))).all()
    assert [c.ocid for c in rows] == ["ocds-demo-0001", "ocds-demo-0002", "ocds-demo-0003"]
    assert {c.dataset for c in rows} == {"demo-ocds"}
    assert [(float(c.value_amount or 0), c.value_currency) for c in rows] == [
        (1850000, "EUR"), (48000000, "UAH"), (920000, "EUR")]
    assert all(c.release_count >= 2 for c in rows)
    suppliers = {}
    for c in rows:
        for p in c.parties:
            if p.role == "supplier":
                e = await session.get(Entity, p.entity_id)
                assert e is not None
                suppliers[e.name] = [(i.scheme, i.value) for i in e.identifiers]
    assert suppliers == {"ACME CONSTRUCTION LTD.": [("GB-COH", "1234567")],
                         "TOV Budivelna kompaniia Dnipro": [("UA-EDR", "34567890")],
                         "Mueller Bau": []}
    award_dates = (await session.scalars(select(Award.date).order_by(Award.date))).all()
    assert [d.date().isoformat() for d in award_dates if d] == [
        "2023-10-30", "2024-03-15", "2025-02-01"]
    assert await session.scalar(select(func.count()).select_from(ContractAgreement)) == 2
    buyers = (await session.scalars(select(ContractParty).where(
        ContractParty.role == "buyer"))).all()
    assert len(buyers) == 3


async def test_a_batch_mixing_stored_and_new_releases_is_written_once(
        database_url: str, session: AsyncSession) -> None:
    """A batch is first copied as all new; when one of its releases is stored already the
    copy is undone and the batch takes the lookup path: nothing is written twice, and the
    new release is still imported and compiled."""
    await import_ocds(database_url, [RELEASES])
    mixed = await import_ocds(database_url, [RELEASES, UPDATE])  # one batch, one is new
    assert (mixed.imported, mixed.updated, mixed.unchanged, mixed.skipped) == (0, 1, 3, 0)
    keys = (await session.scalars(select(RecordVersion.version_key))).all()
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 4
    after = await contract(session, "ocds-test-001")
    assert after.release_count == 3 and len(after.awards) == 1
    assert after.compiled == merge(
        [r for r in releases_in(RELEASES, UPDATE) if r["ocid"] == "ocds-test-001"])


async def test_concatenated_packages_and_json_text_sequences_are_read_whole(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    """As ocdskit writes them: pretty-printed packages one after another, and an RFC 7464
    sequence (each package after a 0x1E), give the same contracts as the packages apart."""
    packages = [json.loads(p.read_text()) for p in (RELEASES, UPDATE)]
    concatenated = tmp_path / "concatenated.json"
    concatenated.write_text("".join(json.dumps(p, indent=2) for p in packages))
    sequence = tmp_path / "sequence.json"
    sequence.write_bytes(b"".join(b"\x1e" + json.dumps(p, indent=2).encode() + b"\n"
                                  for p in packages))
    expected = len(releases_in(RELEASES, UPDATE))
    for dataset, path in (("concatenated", concatenated), ("sequence", sequence)):
        summary = await import_ocds(database_url, [path], dataset=dataset)
        assert (summary.read, summary.skipped) == (expected, 0), summary.render()
    await import_ocds(database_url, [RELEASES, UPDATE], dataset="apart")
    session.expire_all()
    compiled = {}
    for ds in ("concatenated", "sequence", "apart"):
        rows = await session.execute(select(Contract.ocid, Contract.compiled)
                                     .where(Contract.dataset == ds))
        compiled[ds] = {ocid: value for ocid, value in rows}
    assert set(compiled["apart"]) == {"ocds-test-001", "ocds-test-002"}
    assert compiled["concatenated"] == compiled["sequence"] == compiled["apart"]


async def test_encoding_latin1_and_a_byte_that_cannot_be_decoded(
        database_url: str, session: AsyncSession, tmp_path: Path) -> None:
    releases = releases_in(RELEASES)
    accented = {**releases[0], "tender": {**releases[0].get("tender", {}),
                                          "title": "Obras en Málaga"}}

    def latin1(value: Any, indent: int | None = None) -> bytes:
        # Other scripts stay escaped; the á is the one ISO-8859-1 byte 0xE1.
        return json.dumps(value, indent=indent).replace("\\u00e1", "á").encode("iso-8859-1")

    latin = tmp_path / "latin1.json"
    latin.write_bytes(latin1({"uri": "u", "releases": [accented, *releases[1:]]}, indent=2))
    assert b"M\xe1laga" in latin.read_bytes()
    summary = await import_ocds(database_url, [latin], dataset="latin", encoding="iso-8859-1")
    assert summary.skipped == 0 and summary.read == len(releases)
    assert (await contract(session, releases[0]["ocid"], "latin")).title == "Obras en Málaga"

    # Read as UTF-8 (the default), the same bytes fail at the é: every line but that one is
    # imported in JSON Lines, and the error names the file and the byte offset.
    lines = tmp_path / "lines.jsonl"
    raw = [latin1(r) + b"\n" for r in (releases[1], accented, releases[2])]
    lines.write_bytes(b"".join(raw))
    summary = await import_ocds(database_url, [lines], dataset="lines")
    assert (summary.read, summary.skipped) == (3, 1)
    error = (await session.scalars(select(ImportError_))).one()
    assert error.position == "line 2" and error.path == str(lines)
    offset = len(raw[0]) + raw[1].index(b"\xe1")
    assert error.reason == (f"cannot decode as utf-8: byte 0xE1 at byte offset {offset:,} "
                            "(see --encoding)")
    ocids = set((await session.scalars(
        select(Contract.ocid).where(Contract.dataset == "lines"))).all())
    assert ocids == {releases[1]["ocid"], releases[2]["ocid"]}

    # The package (streamed), read as UTF-8: not refused whole, only the release with the
    # byte is skipped.
    summary = await import_ocds(database_url, [latin], dataset="package")
    assert (summary.read, summary.skipped) == (len(releases), 1), summary.render()
    reasons = (await session.scalars(select(ImportError_.reason).where(
        ImportError_.position == "releases item 1"))).all()
    at = latin.read_bytes().index(b"\xe1")
    assert reasons == [f"cannot decode as utf-8: byte 0xE1 at byte offset {at:,} "
                       "(see --encoding)"]

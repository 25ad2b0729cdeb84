"""Native (jsonl, csv) and FollowTheMoney dumps: complete, consistent, nothing restricted."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from registry.db.engine import make_engine, make_sessionmaker
from registry.exports.dumps import write_csv_zip, write_jsonl
from registry.exports.ftm import write_ftm
from registry.exports.ftm_model import schemata
from registry.exports.manifest import write_manifest
from registry.models import Award, Contract, Entity, Interest

RESTRICTED = ("1968-04-17", "Elm Close")  # in the demo's `restricted` column only


async def _write(database_url: str, writer: Any, out: Path) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        counts: dict[str, int] = await writer(make_sessionmaker(engine), out)
        return counts
    finally:
        await engine.dispose()


async def test_jsonl_dump_has_every_entity_and_no_restricted_detail(
    database_url: str, demo: dict[str, Any], session: AsyncSession, tmp_path: Path
) -> None:
    out = tmp_path / "dump.jsonl"
    counts = await _write(database_url, write_jsonl, out)
    text = out.read_text()
    for secret in RESTRICTED:
        assert secret not in text
    rows = [json.loads(line) for line in text.splitlines()]
    entities = [r["row"] for r in rows if r["table"] == "entities"]
    n_entities = await session.scalar(select(func.count()).select_from(Entity))
    assert len(entities) == counts["entities"] == n_entities
    assert all("restricted" not in e for e in entities)
    assert {"registrants", "meetings", "contracts", "relationships"} <= {r["table"] for r in rows}
    [donation] = [r["row"] for r in rows if r["table"] == "donations"]
    assert donation["source_ref"] == "C0999001" and donation["value"] in (25000, "25000.00")

    manifest = json.loads(write_manifest(out, format="jsonl", counts=counts).read_text())
    assert manifest["files"][0]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert manifest["counts"]["entities"] == n_entities


async def test_csv_zip_has_one_table_a_file(
    database_url: str, demo: dict[str, Any], session: AsyncSession, tmp_path: Path
) -> None:
    out = tmp_path / "dump.zip"
    counts = await _write(database_url, write_csv_zip, out)
    with zipfile.ZipFile(out) as zf:
        entities = list(csv.DictReader(io.TextIOWrapper(zf.open("entities.csv"), "utf-8")))
        interests = list(csv.DictReader(io.TextIOWrapper(zf.open("interests.csv"), "utf-8")))
        blob = b"".join(zf.read(n) for n in zf.namelist())
    assert len(entities) == counts["entities"]
    assert len(interests) == await session.scalar(select(func.count()).select_from(Interest))
    assert "restricted" not in entities[0]
    assert {e["name"] for e in entities} >= {"Müller Bau GmbH", "Олександр Коваленко"}
    for secret in RESTRICTED:
        assert secret.encode() not in blob


async def test_ftm_dump_is_valid_and_references_resolve(
    database_url: str, demo: dict[str, Any], session: AsyncSession, tmp_path: Path
) -> None:
    out = tmp_path / "dump.ftm.json"
    await _write(database_url, write_ftm, out)
    proxies = [json.loads(line) for line in out.read_text().splitlines()]
    ids = {p["id"] for p in proxies}
    by_schema: dict[str, list[Any]] = {}
    for p in proxies:
        by_schema.setdefault(p["schema"], []).append(p)
        types = schemata()[p["schema"]]  # FtM's own property definitions
        for prop, values in p["properties"].items():
            assert prop in types, f"{p['schema']} has no property {prop}"
            for value in values:
                if types[prop] == "entity":
                    assert value in ids, f"{p['schema']}.{prop} -> {value} is dangling"
                if types[prop] == "date":
                    assert re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", value), value
    n_entities = await session.scalar(select(func.count()).select_from(Entity))
    assert sum(len(by_schema.get(s, [])) for s in ("Company", "Person", "PublicBody")) == n_entities
    assert len(by_schema["Contract"]) == await session.scalar(
        select(func.count()).select_from(Contract))
    n_awards = await session.scalar(select(func.count()).select_from(Award))
    assert n_awards and len(by_schema["ContractAward"]) >= n_awards
    owners = {p["properties"]["percentage"][0] for p in by_schema["Ownership"]}
    assert "75" in owners and "50-75" in owners  # exact shares and ranges both survive
    assert by_schema["Event"], "published meetings are exported"
    [payment] = by_schema["Payment"]  # the demo's donation to a party
    assert payment["properties"]["amount"] == ["25000.00"]
    assert payment["properties"]["currency"] == ["GBP"]
    assert payment["properties"]["date"] == ["2022-06-10"]
    assert payment["properties"]["payer"] and payment["properties"]["beneficiary"]
    for secret in RESTRICTED:
        assert secret not in out.read_text()


async def test_http_exports_stream(client: AsyncTestClient[Litestar], demo: dict[str, Any]) -> None:
    r = await client.get("/api/v1/exports/csv/entities")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.splitlines()[0].startswith("id,dataset,source_key,kind,name")
    missing = await client.get("/api/v1/exports/csv/users")
    assert missing.status_code == 404 and missing.json()["field"] == "table"
    ftm = await client.get("/api/v1/exports/ftm")
    assert ftm.status_code == 200
    assert all(json.loads(line)["schema"] for line in ftm.text.splitlines())
    jsonl = await client.get("/api/v1/exports/jsonl")
    assert "password_hash" not in jsonl.text and "key_hash" not in jsonl.text

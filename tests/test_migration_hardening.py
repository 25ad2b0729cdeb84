"""Migration 0026 (hardening) on a database with rows written before it: restricted person
details leave the public columns and the public history, the rest stays as it was."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from registry.db.engine import normalise_url
from registry.db.migrate import upgrade

from .database_support import DatabaseFactory

RESIDENCE = {"type": "residence", "address": "1 Home Lane, Leeds", "postCode": "LS1 1AA"}
SERVICE = {"type": "service", "address": "2 Office Street, Leeds"}
PLACE_OF_BIRTH = {"type": "placeOfBirth", "address": "Bradford"}


def _dsn(url: str) -> dict[str, Any]:
    u = make_url(normalise_url(url))
    return {"user": u.username, "password": u.password, "host": u.query.get("host", u.host),
            "port": u.port, "database": u.database}


async def _fetch(url: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(**_dsn(url))
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


async def test_0026_moves_restricted_details_out_of_existing_rows(
        db_factory: DatabaseFactory) -> None:
    name = f"{db_factory.prefix}_m0026"
    admin = await db_factory._admin()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')  # empty: not from the template
    finally:
        await admin.close()
    url = db_factory.url_for(name)
    try:
        await asyncio.to_thread(upgrade, url, "0025")
        conn = await asyncpg.connect(**_dsn(url))
        try:
            await conn.execute("""
                INSERT INTO entities (dataset, source_key, kind, name, addresses, birth_date,
                                      restricted)
                VALUES ('bods', 'p1', 'person', 'Jane Doe', $1::jsonb, '1970-05-17',
                        '{"addresses": [{"type": "residence", "address": "old"}]}'::jsonb),
                       ('bods', 'p2', 'person', 'John Roe', $2::jsonb, '1980-02', '{}'::jsonb),
                       ('bods', 'c1', 'company', 'Acme Ltd', $3::jsonb, NULL, '{}'::jsonb),
                       -- not lists: written by hand or by an old bug; left alone
                       ('bods', 'c2', 'company', 'Odd Ltd', 'null'::jsonb, NULL, '{}'::jsonb),
                       ('bods', 'c3', 'company', 'Odder Ltd', '{"type": "residence"}'::jsonb,
                        NULL, '{}'::jsonb)""",
                json.dumps([RESIDENCE, SERVICE, PLACE_OF_BIRTH]), json.dumps([SERVICE]),
                json.dumps([{"type": "registered", "address": "3 Company Road"}]))
            v04 = {"statementId": "s1", "recordId": "p1", "recordType": "person",
                   "recordDetails": {"personType": "knownPerson", "birthDate": "1970-05-17",
                                     "placeOfBirth": {"address": "Bradford"},
                                     "addresses": [RESIDENCE, SERVICE],
                                     "names": [{"fullName": "Jane Doe"}]}}
            v02 = {"statementID": "s2", "statementType": "personStatement",
                   "birthDate": "1980-02-03", "placeOfResidence": {"address": "x"},
                   "placeOfBirth": {"address": "y"}, "addresses": [RESIDENCE],
                   "names": [{"fullName": "John Roe"}]}
            entity = {"statementId": "s3", "recordType": "entity",
                      "recordDetails": {"addresses": [RESIDENCE], "foundingDate": "2001-01-01"}}
            await conn.executemany(
                "INSERT INTO record_versions (dataset, record_type, source_key, version_key, "
                "content) VALUES ('bods', $1, $2, $3, $4::jsonb)",
                [("person", "p1", "s1", json.dumps(v04)), ("person", "p2", "s2", json.dumps(v02)),
                 ("entity", "c1", "s3", json.dumps(entity))])
            await conn.execute("INSERT INTO login_attempts (email, ip) "
                               "VALUES ('a@example.org', '192.0.2.1')")
        finally:
            await conn.close()

        await asyncio.to_thread(upgrade, url)

        rows = {r["source_key"]: r for r in await _fetch(
            url, "SELECT source_key, addresses, birth_date, restricted FROM entities")}
        p1 = rows["p1"]
        assert json.loads(p1["addresses"]) == [SERVICE]
        assert json.loads(p1["restricted"])["addresses"] == [
            {"type": "residence", "address": "old"}, RESIDENCE, PLACE_OF_BIRTH]
        assert p1["birth_date"] == "1970-05"
        assert json.loads(rows["p2"]["addresses"]) == [SERVICE]
        assert json.loads(rows["p2"]["restricted"]) == {}
        assert rows["p2"]["birth_date"] == "1980-02"
        assert json.loads(rows["c1"]["addresses"]) == [
            {"type": "registered", "address": "3 Company Road"}]
        assert json.loads(rows["c2"]["addresses"]) is None
        assert json.loads(rows["c3"]["addresses"]) == {"type": "residence"}

        content = {r["version_key"]: json.loads(r["content"]) for r in await _fetch(
            url, "SELECT version_key, content FROM record_versions")}
        details = content["s1"]["recordDetails"]
        assert details == {"personType": "knownPerson", "birthDate": "1970-05",
                           "addresses": [SERVICE], "names": [{"fullName": "Jane Doe"}]}
        assert content["s1"]["statementId"] == "s1"
        assert content["s2"] == {"statementID": "s2", "statementType": "personStatement",
                                 "birthDate": "1980-02", "addresses": [],
                                 "names": [{"fullName": "John Roe"}]}
        assert content["s3"] == entity  # not a person: as it was

        attempts = await _fetch(url, "SELECT email, kind FROM login_attempts")
        assert [(r["email"], r["kind"]) for r in attempts] == [("a@example.org", "sign-in")]
        assert await _fetch(url, "SELECT * FROM registrant_invitations") == []
    finally:
        await db_factory.drop(url)

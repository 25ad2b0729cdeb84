"""Helpers for the BODS tests: the standard's offline files, libcovebods as the reference
validator (schema validation only: its additional checks would look org-ids up online),
statements to import, and a dataset's records as the importer stored them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.models import Entity


def standards_dir() -> Path:
    """``../shared/standards`` next to the checkout (or ``REGISTRY_STANDARDS_DIR``)."""
    env = os.environ.get("REGISTRY_STANDARDS_DIR")
    if env:
        return Path(env)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "standards"
        if candidate.is_dir():
            return candidate
    pytest.skip("the shared standards directory (../shared/standards) is not here")


def libcove_errors(path: Path) -> list[Any]:
    """libcovebods' JSON-schema errors for a BODS JSON array file."""
    from libcovebods.data_reader import DataReader
    from libcovebods.jsonschemavalidate import JSONSchemaValidator
    from libcovebods.schema import SchemaBODS

    reader = DataReader(str(path))
    schema = SchemaBODS(reader)
    errors: list[Any] = JSONSchemaValidator(schema).validate(reader)
    return errors


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), "utf-8")
    return path


# BODS 0.4 statements, for the import, export and name-key tests.


def statement(sid: str, record_id: str, record_type: str, details: dict[str, Any],
              status: str = "new", date: str = "2020-01-01") -> dict[str, Any]:
    return {"statementId": sid.ljust(32, "0"), "statementDate": date, "recordId": record_id,
            "recordType": record_type, "recordStatus": status, "declarationSubject": "c1",
            "recordDetails": details}


def company_details(name: str) -> dict[str, Any]:
    return {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": name,
            "identifiers": [{"scheme": "GB-COH", "id": "01234567"}],
            "jurisdiction": {"name": "United Kingdom", "code": "GB"}}


def person_details(name: str, birth: str | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"isComponent": False, "personType": "knownPerson",
                         "names": [{"type": "legal", "fullName": name}]}
    if birth:
        d["birthDate"] = birth
    return d


def shareholding(subject: str, party: Any, share: dict[str, Any]) -> dict[str, Any]:
    return {"isComponent": False, "subject": subject, "interestedParty": party,
            "interests": [{"type": "shareholding", "directOrIndirect": "direct",
                           "beneficialOwnershipOrControl": True, "share": share,
                           "startDate": "2019-01-01"}]}


def history_statements() -> list[dict[str, Any]]:
    return [
        statement("s1", "c1", "entity", company_details("Acme Ltd")),
        statement("s2", "p1", "person", person_details("Jane Doe", "1975-06-20")),
        statement("s3", "r1", "relationship", shareholding("c1", "p1", {"exact": 30})),
        statement("s4", "r1", "relationship", shareholding("c1", "p1", {"exact": 60}), "updated",
              "2022-06-01"),
        statement("s5", "c1", "entity", company_details("Acme Limited"), "updated", "2021-01-01"),
        statement("s6", "r1", "relationship", shareholding("c1", "p1", {"exact": 60}), "closed",
              "2024-01-01"),
    ]


async def snapshot(session: AsyncSession, dataset: str) -> dict[str, Any]:
    """The records of a dataset, by source key, without ids or provenance."""
    session.expire_all()
    entities = (await session.scalars(select(Entity).where(Entity.dataset == dataset)
                                      .order_by(Entity.source_key))).all()
    ents = {
        e.source_key: (e.kind, e.name, e.country, e.jurisdiction, e.founding_date,
                       e.dissolution_date, e.birth_date, e.nationalities, e.addresses,
                       e.is_closed, e.valid_from, sorted((n.name, n.type) for n in e.names),
                       sorted((i.scheme, i.value) for i in e.identifiers))
        for e in entities}
    rels = (await session.execute(text("""
        SELECT r.source_key, coalesce(s.source_key, r.subject_key) AS subject,
               coalesce(p.source_key, r.interested_party_key) AS party,
               r.subject_unspecified, r.interested_unspecified, r.component_keys,
               r.is_component, r.valid_from, r.valid_to, r.is_current, r.is_closed,
               (SELECT coalesce(json_agg(json_build_array(i.type, i.direct_or_indirect,
                        i.beneficial_ownership_or_control, i.share_exact, i.share_min,
                        i.share_max, i.share_exclusive_min, i.share_exclusive_max,
                        i.start_date, i.end_date, i.details) ORDER BY i.id), '[]')
                FROM interests i WHERE i.relationship_id = r.id) AS interests
        FROM relationships r
        LEFT JOIN entities s ON s.id = r.subject_id
        LEFT JOIN entities p ON p.id = r.interested_party_id
        WHERE r.dataset = :d ORDER BY r.source_key, r.valid_from NULLS FIRST, r.id"""),
        {"d": dataset})).all()
    return {"entities": ents, "relationships": [tuple(r) for r in rels]}


# What a person statement holds that is never published (tests/test_privacy.py).
SECRETS = ("1 Secret Lane", "Ballymena", "1961-02-13")


def restricted_person_statements() -> list[dict[str, Any]]:
    """One person statement with a residence, a place and a day of birth."""
    person = {
        "isComponent": False, "personType": "knownPerson",
        "names": [{"type": "legal", "fullName": "Hidden Home Person"}],
        "birthDate": "1961-02-13",
        "placeOfBirth": {"type": "placeOfBirth", "address": "Ballymena",
                         "country": {"code": "GB", "name": "United Kingdom"}},
        "addresses": [
            {"type": "residence", "address": "1 Secret Lane, Leeds",
             "country": {"code": "GB", "name": "United Kingdom"}},
            {"type": "service", "address": "2 Public Street, London",
             "country": {"code": "GB", "name": "United Kingdom"}},
        ],
    }
    return [{"statementId": "p".ljust(32, "0"), "statementDate": "2020-01-01",
             "recordId": "p1", "recordType": "person", "recordStatus": "new",
             "declarationSubject": "p1", "recordDetails": person}]

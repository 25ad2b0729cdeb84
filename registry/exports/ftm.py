"""FollowTheMoney entities for investigative tools (Aleph, yente, nomenklatura).

Entities become Company / Person / PublicBody; current ownership and control relationships
become Ownership; contracting processes become Contract with one ContractAward per supplier;
published meetings become Event; donations to parties become Payment (payer, beneficiary).
Ids are derived from (dataset, source key), so an entity has
the same FtM id in every dump and tools can diff them. Streams; restricted details are not
selected at all.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.privacy import public_addresses, public_birth_date

from .dumps import CURSOR_PREFETCH, _driver
from .ftm_model import Entity, make_entity_id

SCHEMA_BY_KIND = {"company": "Company", "person": "Person", "public_body": "PublicBody"}
# Identifier schemes with a dedicated FtM property; others go to registrationNumber/idNumber.
LEI_SCHEMES = {"XI-LEI"}
TAX_SUFFIXES = ("-VAT", "-TIN", "-NIF", "-CIF", "-INN")

ENTITIES_SQL = """
SELECT e.dataset, e.source_key, e.kind, e.name, e.country, e.jurisdiction, e.legal_form,
       e.founding_date, e.dissolution_date, e.birth_date, e.nationalities, e.addresses,
       e.data->>'status' AS status,
       (SELECT coalesce(json_agg(json_build_object('n', n.name, 't', n.type) ORDER BY n.id), '[]')
          FROM entity_names n WHERE n.entity_id = e.id) AS names,
       (SELECT coalesce(json_agg(json_build_object('s', i.scheme, 'v', i.value)
                                   ORDER BY i.id), '[]')
          FROM entity_identifiers i WHERE i.entity_id = e.id) AS identifiers
FROM entities e ORDER BY e.id
"""

OWNERSHIP_SQL = """
SELECT r.dataset, r.source_key, s.dataset AS s_ds, s.source_key AS s_key,
       p.dataset AS p_ds, p.source_key AS p_key, i.type, i.share_exact, i.share_min,
       i.share_max, i.start_date, i.end_date, i.id AS interest_id
FROM relationships r
JOIN entities s ON s.id = r.subject_id
JOIN entities p ON p.id = r.interested_party_id
JOIN interests i ON i.relationship_id = r.id
WHERE r.is_current AND NOT r.is_closed
ORDER BY r.id, i.id
"""

CONTRACTS_SQL = """
SELECT c.dataset, c.ocid, c.title, c.description, c.status, c.value_amount, c.value_currency,
       c.date, b.dataset AS b_ds, b.source_key AS b_key,
       (SELECT coalesce(json_agg(json_build_object(
            'award', a.award_id, 'date', a.date, 'amount', a.value_amount,
            'currency', a.value_currency, 'status', a.status,
            'ds', se.dataset, 'key', se.source_key) ORDER BY a.id, su.id), '[]')
          FROM awards a JOIN award_suppliers su ON su.award_id = a.id
          JOIN entities se ON se.id = su.entity_id
          WHERE a.contract_id = c.id) AS awards
FROM contracts c LEFT JOIN entities b ON b.id = c.buyer_id
ORDER BY c.id
"""

MEETINGS_SQL = """
SELECT m.dataset, m.source_key, m.date, m.subject, m.location, m.legislation,
       ie.dataset AS i_ds, ie.source_key AS i_key, re.dataset AS r_ds, re.source_key AS r_key,
       (SELECT coalesce(json_agg(json_build_object('ds', oe.dataset, 'key', oe.source_key)
                                ORDER BY o.id),
               '[]')
          FROM meeting_officials o JOIN entities oe ON oe.id = o.entity_id
          WHERE o.meeting_id = m.id) AS officials
FROM meetings m
LEFT JOIN entities ie ON ie.id = m.institution_id
LEFT JOIN registrants r ON r.id = m.registrant_id
LEFT JOIN entities re ON re.id = r.entity_id
WHERE m.merged_into_id IS NULL AND (m.registrant_id IS NULL OR r.published_version IS NOT NULL)
ORDER BY m.id
"""


DONATIONS_SQL = """
SELECT d.dataset, d.source_ref, d.value, d.currency, d.date, d.type, d.nature, d.status,
       d.accounting_unit, de.dataset AS d_ds, de.source_key AS d_key,
       re.dataset AS r_ds, re.source_key AS r_key
FROM donations d
LEFT JOIN entities de ON de.id = d.donor_id
LEFT JOIN entities re ON re.id = d.recipient_id
ORDER BY d.id
"""


def _json(value: Any) -> Any:
    # The driver may hand JSON back decoded (SQLAlchemy registers codecs) or as text.
    return json.loads(value) if isinstance(value, str | bytes) else value


def ftm_id(dataset: str, key: str, *parts: str) -> str:
    return f"reg-{make_entity_id(dataset, key, *parts)}"


def _amount(value: Decimal | float | None) -> str | None:
    return None if value is None else format(Decimal(str(value)), "f")


def entity_to_ftm(row: Any) -> dict[str, Any]:
    proxy = Entity(SCHEMA_BY_KIND.get(row["kind"], "LegalEntity"),
                   ftm_id(row["dataset"], row["source_key"]))
    proxy.add("name", row["name"])
    for name in _json(row["names"]):
        if name["n"] != row["name"]:
            proxy.add("previousName" if name["t"] == "former" else "alias", name["n"])
    proxy.add("country", row["country"])
    proxy.add("publisher", row["dataset"])
    if row["kind"] == "person":
        proxy.add("birthDate", public_birth_date(row["birth_date"]))
        proxy.add("nationality", _json(row["nationalities"]))
    else:
        proxy.add("jurisdiction", row["jurisdiction"])
        proxy.add("legalForm", row["legal_form"])
        proxy.add("incorporationDate", row["founding_date"])
        proxy.add("dissolutionDate", row["dissolution_date"])
        proxy.add("status", row["status"])
    for ident in _json(row["identifiers"]):
        scheme, value = ident["s"], ident["v"]
        if scheme in LEI_SCHEMES:
            prop = "leiCode"
        elif scheme.endswith(TAX_SUFFIXES):
            prop = "taxNumber"
        else:
            prop = "idNumber" if row["kind"] == "person" else "registrationNumber"
        proxy.add(prop, value)
    for address in public_addresses(_json(row["addresses"])):
        if address.get("address"):
            proxy.add("address", address["address"])
    return proxy.to_dict()


def ownership_to_ftm(row: Any) -> dict[str, Any]:
    proxy = Entity("Ownership",
                   ftm_id(row["dataset"], row["source_key"], str(row["interest_id"])))
    proxy.add("owner", ftm_id(row["p_ds"], row["p_key"]))
    proxy.add("asset", ftm_id(row["s_ds"], row["s_key"]))
    proxy.add("ownershipType", row["type"])
    if row["share_exact"] is not None:
        proxy.add("percentage", _amount(row["share_exact"]))
    elif row["share_min"] is not None or row["share_max"] is not None:
        low, high = _amount(row["share_min"]) or "0", _amount(row["share_max"]) or "100"
        proxy.add("percentage", f"{low}-{high}")
    proxy.add("startDate", row["start_date"])
    proxy.add("endDate", row["end_date"])
    proxy.add("recordId", row["source_key"])
    proxy.add("publisher", row["dataset"])
    return proxy.to_dict()


def contract_to_ftm(row: Any) -> list[dict[str, Any]]:
    contract = Entity("Contract", ftm_id(row["dataset"], row["ocid"], "contract"))
    contract.add("title", row["title"] or row["ocid"])
    contract.add("name", row["title"] or row["ocid"])
    contract.add("description", row["description"])
    contract.add("status", row["status"])
    contract.add("procedureNumber", row["ocid"])
    contract.add("amount", _amount(row["value_amount"]))
    contract.add("currency", row["value_currency"])
    contract.add("publisher", row["dataset"])
    if row["b_key"]:
        contract.add("authority", ftm_id(row["b_ds"], row["b_key"]))
    out = [contract.to_dict()]
    for award in _json(row["awards"]):
        proxy = Entity("ContractAward", ftm_id(row["dataset"], row["ocid"], "award",
                                               award["award"], award["key"]))
        proxy.add("contract", contract.id)
        proxy.add("supplier", ftm_id(award["ds"], award["key"]))
        proxy.add("amount", _amount(award["amount"]))
        proxy.add("currency", award["currency"])
        proxy.add("date", (award["date"] or "")[:10] or None)
        proxy.add("status", award["status"])
        out.append(proxy.to_dict())
    return out


def meeting_to_ftm(row: Any) -> dict[str, Any]:
    proxy = Entity("Event", ftm_id(row["dataset"], row["source_key"], "meeting"))
    proxy.add("name", row["subject"] or "Meeting")
    proxy.add("date", row["date"].isoformat())
    proxy.add("location", row["location"])
    proxy.add("summary", row["legislation"])
    if row["r_key"]:
        proxy.add("organizer", ftm_id(row["r_ds"], row["r_key"]))
    if row["i_key"]:
        proxy.add("involved", ftm_id(row["i_ds"], row["i_key"]))
    for official in _json(row["officials"]):
        proxy.add("involved", ftm_id(official["ds"], official["key"]))
    proxy.add("publisher", row["dataset"])
    return proxy.to_dict()


def donation_to_ftm(row: Any) -> dict[str, Any]:
    proxy = Entity("Payment", ftm_id(row["dataset"], row["source_ref"], "donation"))
    if row["d_key"]:
        proxy.add("payer", ftm_id(row["d_ds"], row["d_key"]))
    if row["r_key"]:
        proxy.add("beneficiary", ftm_id(row["r_ds"], row["r_key"]))
    proxy.add("amount", _amount(row["value"]))
    proxy.add("currency", row["currency"])
    proxy.add("date", row["date"])
    proxy.add("purpose", row["nature"])
    proxy.add("programme", "political donation")
    proxy.add("description", " · ".join(x for x in (row["type"], row["status"],
                                                    row["accounting_unit"]) if x) or None)
    proxy.add("recordId", row["source_ref"])
    proxy.add("publisher", row["dataset"])
    return proxy.to_dict()


async def iter_ftm(session: AsyncSession, counts: dict[str, int] | None = None
                   ) -> AsyncIterator[bytes]:
    driver = await _driver(session)
    steps: list[tuple[str, str, Any]] = [
        ("entities", ENTITIES_SQL, lambda r: [entity_to_ftm(r)]),
        ("ownership", OWNERSHIP_SQL, lambda r: [ownership_to_ftm(r)]),
        ("contracts", CONTRACTS_SQL, contract_to_ftm),
        ("meetings", MEETINGS_SQL, lambda r: [meeting_to_ftm(r)]),
        ("donations", DONATIONS_SQL, lambda r: [donation_to_ftm(r)]),
    ]
    for name, sql, convert in steps:
        n = 0
        lines: list[str] = []
        async for row in driver.cursor(sql, prefetch=CURSOR_PREFETCH):
            for obj in convert(row):
                lines.append(json.dumps(obj, ensure_ascii=False, sort_keys=True))
                n += 1
            if len(lines) >= CURSOR_PREFETCH:
                yield ("\n".join(lines) + "\n").encode()
                lines = []
        if lines:
            yield ("\n".join(lines) + "\n").encode()
        if counts is not None:
            counts[name] = n


async def write_ftm(sessionmaker: async_sessionmaker[AsyncSession], out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with sessionmaker() as session:
        with out.open("wb") as fh:
            async for chunk in iter_ftm(session, counts):
                fh.write(chunk)
    return counts

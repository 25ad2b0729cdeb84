"""BODS statements onto the registry's model: entity rows, relationship rows, versions.

0.4 statements map directly: the record key is ``recordId``, the version key
``statementId``. 0.2/0.3 statements are first rewritten into the 0.4 shape
(:func:`upgrade_statement`) with this rule for their record key, since they have none: **a
statement that replaces others belongs to the record of the first statement it replaces; any
other statement starts a record whose key is its own ``statementID``.** References
(``describedByEntityStatement``, ``componentStatementIDs``) are turned into record keys the
same way, so every version of one 0.2/0.3 record shares one key, whatever order the
versions were published in, as long as a replacing statement comes after what it replaces.

Privacy (:mod:`registry.privacy`): a person's day of birth, residential address and place of
birth go to ``Entity.restricted`` only; the version keeps the statement without them, and
the public ``birth_date`` is year-month.

The published details of a 0.4 statement are stored once, in its version
(``record_versions.content``, which the export reads them from); ``Entity.data`` keeps only
the statement's envelope. A 0.2/0.3 statement's version keeps what was published (another
shape), so its upgraded details also go to ``data["details"]``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from importers.core.ownership_writer import Mapped
from importers.core.record_versions import VersionRow
from registry.entities.bulk import EntityRow
from registry.ownership.bulk import InterestRow, RelationshipRow
from registry.privacy import public_person_statement

PUBLIC_BODY_TYPES = {"state", "stateBody"}
STATEMENT_KEYS = ("declarationSubject", "declaration", "source", "annotations")
# BODS nameType codes that the registry spells differently (see the export's inverse).
NAME_TYPES = {"transliteration": "transliterated", "translation": "translated"}
OLD_TYPES = {"entityStatement": "entity", "personStatement": "person",
             "ownershipOrControlStatement": "relationship"}


class MappingError(ValueError):
    """A statement that is valid against the schema but cannot be stored."""


def parse_datetime(value: Any) -> dt.datetime | None:
    """BODS dates are full-date or date-time; both become an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    return _parse_datetime(value)


@functools.lru_cache(maxsize=4096)  # a publication has few distinct statement dates
def _parse_datetime(value: str) -> dt.datetime | None:
    try:
        if len(value) == 10:
            return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _statement_data(statement: dict[str, Any]) -> dict[str, Any]:
    return {k: statement[k] for k in STATEMENT_KEYS if k in statement}


def _person_name(name: dict[str, Any]) -> str:
    if name.get("fullName"):
        return str(name["fullName"])
    parts = [name.get(k) for k in ("givenName", "patronymicName", "familyName")]
    return " ".join(str(p) for p in parts if p)


def map_statement(statement: dict[str, Any], seq: int = 0, *,
                  keep_details: bool = False) -> Mapped:
    """One schema-valid 0.4 statement (or an upgraded 0.2/0.3 one, with ``keep_details``:
    its version will not hold these details) onto rows."""
    record_type = statement["recordType"]
    restricted: dict[str, Any] = {}
    if record_type == "person":
        statement, restricted = public_person_statement(statement)
    key = statement["recordId"]
    status = statement.get("recordStatus") or "new"
    date = parse_datetime(statement.get("statementDate"))
    version = VersionRow(record_type=record_type, source_key=key,
                         version_key=statement["statementId"], status=status,
                         valid_from=date, content=statement, seq=seq)
    details = statement["recordDetails"]
    source = statement.get("source") if isinstance(statement.get("source"), dict) else {}
    retrieved = parse_datetime(source.get("retrievedAt")) if source else None
    if record_type == "relationship":
        return Mapped(version, relationship=_relationship(statement, details, date, retrieved))
    entity = (_person(statement, details, restricted) if record_type == "person"
              else _entity(statement, details))
    if keep_details:
        entity.data["details"] = details  # a person's are public already (above)
    entity.valid_from = date
    entity.is_closed = status == "closed"
    entity.retrieved_at = retrieved
    return Mapped(version, entity=entity)


def _entity(statement: dict[str, Any], d: dict[str, Any]) -> EntityRow:
    etype = (d.get("entityType") or {}).get("type")
    jurisdiction = d.get("jurisdiction") or {}
    code = jurisdiction.get("code")
    name = d.get("name") or ""
    return EntityRow(
        source_key=statement["recordId"],
        kind="public_body" if etype in PUBLIC_BODY_TYPES else "company",
        name=name,
        statement_id=statement["statementId"],
        names=[(n, "alternative") for n in d.get("alternateNames", []) if n],
        identifiers=[(i["scheme"], i["id"]) for i in d.get("identifiers", [])
                     if i.get("scheme") and i.get("id")],
        country=code[:2].upper() if code else None,
        jurisdiction=code or jurisdiction.get("name"),
        founding_date=d.get("foundingDate"),
        dissolution_date=d.get("dissolutionDate"),
        addresses=list(d.get("addresses", [])),
        data={"statement": _statement_data(statement)},
    )


def _person(statement: dict[str, Any], d: dict[str, Any],
            restricted: dict[str, Any]) -> EntityRow:
    """``d``: the public details; ``restricted``: what was taken out of them."""
    names = [n for n in d.get("names", []) if _person_name(n)]
    primary = next((n for n in names if n.get("type") in ("legal", "individual")),
                   names[0] if names else None)
    others = [(_person_name(n), NAME_TYPES.get(n.get("type", ""), n.get("type") or "alternative"))
              for n in names if n is not primary]
    birth = d.get("birthDate")
    nationalities = [n.get("code") or n.get("name") for n in d.get("nationalities", [])]
    codes = [n.get("code") for n in d.get("nationalities", []) if n.get("code")]
    return EntityRow(
        source_key=statement["recordId"],
        kind="person",
        name=_person_name(primary) if primary else "",
        statement_id=statement["statementId"],
        names=others,
        identifiers=[(i["scheme"], i["id"]) for i in d.get("identifiers", [])
                     if i.get("scheme") and i.get("id")],
        country=codes[0].upper() if codes else None,
        birth_date=birth[:7] if isinstance(birth, str) else None,
        nationalities=[n for n in nationalities if n],
        addresses=list(d.get("addresses", [])),
        data={"statement": _statement_data(statement)},
        restricted=restricted,
    )


def _party(value: Any) -> tuple[str | None, dict[str, Any] | None]:
    if isinstance(value, str):
        return value, None
    if isinstance(value, dict):
        return None, value
    raise MappingError("a relationship party must be a recordId or an unspecified record")


def interest_row(i: dict[str, Any]) -> InterestRow:
    share = i.get("share") or {}
    row = InterestRow(
        type=i.get("type") or "",
        direct_or_indirect=i.get("directOrIndirect"),
        beneficial=i.get("beneficialOwnershipOrControl"),
        share_exact=_decimal(share.get("exact")),
        start_date=parse_date(i.get("startDate")),
        end_date=parse_date(i.get("endDate")),
        details=i.get("details"),
    )
    if share.get("exclusiveMinimum") is not None:
        row.share_min, row.share_exclusive_min = _decimal(share["exclusiveMinimum"]), True
    else:
        row.share_min = _decimal(share.get("minimum"))
    if share.get("exclusiveMaximum") is not None:
        row.share_max, row.share_exclusive_max = _decimal(share["exclusiveMaximum"]), True
    else:
        row.share_max = _decimal(share.get("maximum"))
    return row


def _relationship(statement: dict[str, Any], d: dict[str, Any], date: dt.datetime | None,
                  retrieved: dt.datetime | None) -> RelationshipRow:
    subject_key, subject_unspecified = _party(d.get("subject"))
    party_key, party_unspecified = _party(d.get("interestedParty"))
    return RelationshipRow(
        source_key=statement["recordId"],
        statement_id=statement["statementId"],
        subject_key=subject_key,
        interested_party_key=party_key,
        subject_unspecified=subject_unspecified,
        interested_unspecified=party_unspecified,
        component_keys=[str(k) for k in d.get("componentRecords", [])],
        is_component=bool(d.get("isComponent")),
        valid_from=date,
        is_closed=(statement.get("recordStatus") == "closed"),
        data={"statement": _statement_data(statement)},
        retrieved_at=retrieved,
        interests=[interest_row(i) for i in d.get("interests", []) if isinstance(i, dict)],
    )


# --- 0.2 / 0.3 -------------------------------------------------------------------------

def old_references(statement: dict[str, Any]) -> list[str]:
    """The statementIDs an old statement refers to (to look their record keys up)."""
    refs = list(statement.get("replacesStatements", []))
    for side in ("subject", "interestedParty"):
        party = statement.get(side) or {}
        refs += [party[k] for k in ("describedByEntityStatement", "describedByPersonStatement")
                 if isinstance(party.get(k), str)]
    refs += list(statement.get("componentStatementIDs", []))
    return [r for r in refs if isinstance(r, str)]


def _country(value: Any) -> Any:
    """0.2/0.3 address countries are codes; 0.4 wants {name, code}."""
    if isinstance(value, str):
        return {"name": value, "code": value} if len(value) == 2 else {"name": value}
    return value


def _addresses(values: Any) -> list[dict[str, Any]]:
    out = []
    for a in values or []:
        if isinstance(a, dict):
            a = dict(a)
            if "country" in a:
                a["country"] = _country(a["country"])
            out.append(a)
    return out


def _old_share(share: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "exact" in share:
        out["exact"] = share["exact"]
    for bound, excl in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if share.get(bound) is not None:
            out[excl if share.get(excl) is True else bound] = share[bound]
    return out


def upgrade_statement(old: dict[str, Any], key_of: Callable[[str], str]) -> dict[str, Any]:
    """A 0.2/0.3 statement rewritten in the 0.4 shape. ``key_of`` maps a statementID to the
    key of its record (see the module docstring)."""
    stype = OLD_TYPES.get(old.get("statementType", ""))
    if stype is None:
        raise MappingError(f"unknown statementType {old.get('statementType')!r}")
    sid = old["statementID"]
    replaces = old.get("replacesStatements") or []
    key = key_of(replaces[0]) if replaces else sid
    details: dict[str, Any] = {"isComponent": bool(old.get("isComponent", False))}
    declaration_subject = key
    if stype == "entity":
        details["entityType"] = {"type": old.get("entityType", "unknownEntity")}
        for f in ("name", "alternateNames", "jurisdiction", "identifiers", "foundingDate",
                  "dissolutionDate", "uri", "publicListing", "formedByStatute"):
            if f in old:
                details[f] = old[f]
        if "addresses" in old:
            details["addresses"] = _addresses(old["addresses"])
    elif stype == "person":
        details["personType"] = old.get("personType", "unknownPerson")
        for f in ("names", "identifiers", "nationalities", "birthDate", "deathDate",
                  "taxResidencies"):
            if f in old:
                details[f] = old[f]
        if isinstance(details.get("names"), list):  # 0.4 renamed "individual" to "legal"
            details["names"] = [dict(n, type="legal") if isinstance(n, dict)
                                and n.get("type") == "individual" else n
                                for n in details["names"]]
        addresses = _addresses(old.get("addresses"))
        addresses += [dict(a, type="residence") for a in _addresses(old.get("placeOfResidence")
                                                                    and [old["placeOfResidence"]])]
        if addresses:
            details["addresses"] = addresses
    else:
        subject = (old.get("subject") or {}).get("describedByEntityStatement")
        if not isinstance(subject, str):
            raise MappingError("subject.describedByEntityStatement is missing")
        details["subject"] = key_of(subject)
        party = old.get("interestedParty") or {}
        ref = party.get("describedByEntityStatement") or party.get("describedByPersonStatement")
        if isinstance(ref, str):
            details["interestedParty"] = key_of(ref)
        elif isinstance(party.get("unspecified"), dict):
            details["interestedParty"] = party["unspecified"]
        else:
            raise MappingError("interestedParty names no statement and no unspecified reason")
        interests = []
        for i in old.get("interests", []):
            new = {k: i[k] for k in ("type", "directOrIndirect", "beneficialOwnershipOrControl",
                                     "details", "startDate", "endDate") if k in i}
            if isinstance(i.get("share"), dict):
                new["share"] = _old_share(i["share"])
            interests.append(new)
        details["interests"] = interests
        details["componentRecords"] = [key_of(c) for c in old.get("componentStatementIDs", [])]
        declaration_subject = details["subject"]
    statement = {
        "statementId": sid, "statementDate": old.get("statementDate", ""), "recordId": key,
        "recordType": stype, "recordStatus": "updated" if replaces else "new",
        "declarationSubject": declaration_subject, "recordDetails": details,
    }
    for f in ("source", "annotations"):
        if f in old:
            statement[f] = old[f]
    return statement

"""From a compiled OCDS release to registry rows: the contract, its awards and signed
contracts, and one entity per party.

Choices made here (documented in the README):
- An OCDS party ``id`` only cross-references within one process, so the entity's source key
  is ``{ocid}/{party id}``; identifiers come from ``identifier`` and ``additionalIdentifiers``.
- Roles come from ``parties[].roles`` and from the references (``buyer``,
  ``tender.procuringEntity``, ``tender.tenderers``, ``awards[].suppliers``); a referenced
  organisation missing from ``parties`` still becomes an entity.
- Kind: ``public_body`` when every role is buyer or procuringEntity; ``person`` when the
  party's ``details`` says it is a natural person (``details.legalEntityType`` /
  ``entityType`` / ``type`` / ``legalEntityTypeDetail`` is ``naturalPerson``, ``person`` or
  ``individual``); otherwise ``company``.
- Contract value: the sum of the signed contracts (not cancelled) when they share one
  currency, else the sum of the awards (neither cancelled nor unsuccessful), else the tender
  value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal
from functools import cache, lru_cache
from typing import Any

import msgspec
from babel import Locale

from registry.contracts.bulk import AgreementRow, AwardRow, ContractRow
from registry.entities.bulk import EntityRow

from .releases import amount, parse_datetime

PUBLIC_ROLES = frozenset({"buyer", "procuringEntity"})
PERSON_TYPES = frozenset({"naturalperson", "person", "individual", "natural person"})
PERSON_DETAIL_KEYS = ("legalEntityType", "entityType", "type", "legalEntityTypeDetail")
# Identifier scheme prefixes that name no country (org-id.guide: XI-LEI, XM-DAC, ZZ-...).
NON_COUNTRY_PREFIXES = ("X", "Z")


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    s = str(value).strip()
    return s or None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _country(name: Any) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    return _country_code(name.strip())


# Languages whose country names publishers write (CLDR, through babel): English first,
# then the languages of the procurement portals the registry serves.
COUNTRY_NAME_LANGUAGES = ("en", "es", "fr", "de", "it", "pt", "nl", "pl", "uk", "ru", "ka",
                          "el", "ro", "cs", "sk", "hu", "bg", "hr", "sl", "lt", "lv", "et",
                          "fi", "sv", "da", "nb")


@cache
def _country_names() -> dict[str, str]:
    """Country names in the publishers' languages, and ISO codes -> ISO alpha-2 code."""
    out: dict[str, str] = {}
    for language in COUNTRY_NAME_LANGUAGES:
        for code, name in Locale(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in ("EU", "EZ", "UN", "ZZ"):
                out.setdefault(name.casefold(), code)
                out.setdefault(code.casefold(), code)
    return out


@lru_cache(maxsize=4096)
def _country_code(name: str) -> str | None:
    return _country_names().get(name.casefold())


def _identifiers(org: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for ident in [org.get("identifier"), *_dicts(org.get("additionalIdentifiers"))]:
        if isinstance(ident, dict) and _str(ident.get("scheme")) and _str(ident.get("id")):
            out.append(ident)
    return out


def _address(org: dict[str, Any]) -> dict[str, Any] | None:
    addr = org.get("address")
    if not isinstance(addr, dict):
        return None
    street = ", ".join(p for p in (_str(addr.get(k)) for k in
                                   ("streetAddress", "locality", "region")) if p)
    out = {"address": street or None, "postCode": _str(addr.get("postalCode")),
           "country": _country(addr.get("countryName")) or _str(addr.get("countryName"))}
    out = {k: v for k, v in out.items() if v}
    return out or None


def _kind(roles: set[str], details: Any) -> str:
    if isinstance(details, dict):
        for key in PERSON_DETAIL_KEYS:
            value = details.get(key)
            if isinstance(value, str) and value.strip().lower() in PERSON_TYPES:
                return "person"
    if roles and roles <= PUBLIC_ROLES:
        return "public_body"
    return "company"


def _content_hash(value: Any) -> str:
    return hashlib.blake2b(msgspec.json.encode(value, order="sorted"), digest_size=16).hexdigest()


def entity_row(ocid: str, party_id: str, org: dict[str, Any], roles: set[str],
               date: Any) -> EntityRow:
    identifiers = _identifiers(org)
    names: list[tuple[str, str]] = []
    for ident in identifiers:
        legal = _str(ident.get("legalName"))
        if legal:
            names.append((legal, "legal" if ident is org.get("identifier") else "alternative"))
    # Names in other languages (name_uk, name_en...): the cross-script spellings linking needs.
    names.extend((v, "alternative") for k, v in sorted(org.items())
                 if k.startswith("name_") and isinstance(v, str) and v.strip())
    name = _str(org.get("name")) or (names[0][0] if names else party_id)
    address = _address(org)
    country = address.get("country") if address else None
    if not (isinstance(country, str) and len(country) == 2):
        country = None
        for ident in identifiers:
            prefix = str(ident["scheme"]).split("-", 1)[0].upper()
            if len(prefix) == 2 and not prefix.startswith(NON_COUNTRY_PREFIXES):
                country = _country(prefix)
                if country:
                    break
    data = {"ocid": ocid, "party_id": party_id, "roles": sorted(roles),
            "contactPoint": org.get("contactPoint"), "details": org.get("details")}
    kind = _kind(roles, org.get("details"))
    return EntityRow(
        source_key=f"{ocid}/{party_id}",
        kind=kind,
        name=name,
        # A content hash: an unchanged party writes nothing, a changed one is a new version.
        statement_id=_content_hash([kind, sorted(roles), org]),
        names=names,
        identifiers=[(str(i["scheme"]).strip(), str(i["id"]).strip()) for i in identifiers],
        country=country,
        addresses=[address] if address else [],
        data={k: v for k, v in data.items() if v is not None},
        valid_from=parse_datetime(date),
    )


def _value(value: Any) -> tuple[Decimal | None, str | None]:
    if not isinstance(value, dict):
        return None, None
    return amount(value.get("amount")), _str(value.get("currency"))


def _total(values: Iterable[tuple[Decimal | None, str | None]]) -> tuple[Decimal | None,
                                                                         str | None]:
    present = [(a, c) for a, c in values if a is not None]
    currencies = {c for _, c in present}
    if not present or len(currencies) != 1:
        return None, None
    return sum((a for a, _ in present), Decimal(0)), currencies.pop()


def _first_str(objs: Iterable[dict[str, Any]], key: str) -> str | None:
    return next((v for o in objs if (v := _str(o.get(key))) is not None), None)


def _ref_key(ref: dict[str, Any]) -> str | None:
    return _str(ref.get("id")) or _str(ref.get("name"))


def map_compiled(compiled: dict[str, Any], release_count: int) -> tuple[ContractRow,
                                                                        list[EntityRow]]:
    """The rows for one compiled release (``ocid`` and ``date`` are known to be present)."""
    ocid = str(compiled["ocid"])
    date = compiled.get("date")
    tender = _obj(compiled.get("tender"))
    awards = _dicts(compiled.get("awards"))
    agreements = _dicts(compiled.get("contracts"))

    # Parties, by OCDS party id, with every role the process gives them.
    orgs: dict[str, dict[str, Any]] = {}
    roles: dict[str, set[str]] = {}
    for party in _dicts(compiled.get("parties")):
        pid = _ref_key(party)
        if pid is None:
            continue
        orgs.setdefault(pid, party)
        roles.setdefault(pid, set()).update(
            r for r in party.get("roles") or [] if isinstance(r, str))

    def refer(ref: Any, role: str) -> str | None:
        if not isinstance(ref, dict) or (pid := _ref_key(ref)) is None:
            return None
        orgs.setdefault(pid, ref)  # an organisation named only in the reference
        roles.setdefault(pid, set()).add(role)
        return pid

    buyer = refer(compiled.get("buyer"), "buyer")
    refer(tender.get("procuringEntity"), "procuringEntity")
    for t in _dicts(tender.get("tenderers")):
        refer(t, "tenderer")
    award_rows = []
    for n, award in enumerate(awards):
        suppliers = [pid for s in _dicts(award.get("suppliers"))
                     if (pid := refer(s, "supplier")) is not None]
        v_amount, v_currency = _value(award.get("value"))
        award_rows.append(AwardRow(
            award_id=_str(award.get("id")) or str(n), title=_str(award.get("title")),
            status=_str(award.get("status")), date=parse_datetime(award.get("date")),
            value_amount=v_amount, value_currency=v_currency,
            supplier_keys=[f"{ocid}/{pid}" for pid in suppliers]))
    if buyer is None:
        buyer = next((pid for pid, rs in roles.items() if "buyer" in rs), None)

    agreement_rows = []
    for n, agreement in enumerate(agreements):
        v_amount, v_currency = _value(agreement.get("value"))
        period = _obj(agreement.get("period"))
        agreement_rows.append(AgreementRow(
            agreement_id=_str(agreement.get("id")) or str(n),
            award_id=_str(agreement.get("awardID")), title=_str(agreement.get("title")),
            status=_str(agreement.get("status")),
            date_signed=parse_datetime(agreement.get("dateSigned")),
            period_start=parse_datetime(period.get("startDate")),
            period_end=parse_datetime(period.get("endDate")),
            value_amount=v_amount, value_currency=v_currency))

    total = _total(_value(a.get("value")) for a in agreements
                   if a.get("status") != "cancelled")
    if total[0] is None:
        total = _total(_value(a.get("value")) for a in awards
                       if a.get("status") not in ("cancelled", "unsuccessful"))
    if total[0] is None:
        total = _value(tender.get("value"))

    entities = [entity_row(ocid, pid, orgs[pid], roles[pid], date) for pid in orgs]
    row = ContractRow(
        ocid=ocid, compiled=compiled, release_count=release_count,
        title=_first_str([tender, *awards, *agreements], "title"),
        description=_str(tender.get("description")),
        status=_str(tender.get("status")),
        date=parse_datetime(date),
        value_amount=total[0], value_currency=total[1],
        buyer_key=f"{ocid}/{buyer}" if buyer is not None else None,
        parties=[(f"{ocid}/{pid}", pid, role) for pid in orgs for role in sorted(roles[pid])],
        awards=award_rows, agreements=agreement_rows,
    )
    return row, entities

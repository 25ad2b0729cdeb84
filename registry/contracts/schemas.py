"""Public shapes of contracts. ORM rows never leave the service layer; these do."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import msgspec

from registry.entities.schemas import EntityOut, entity_out
from registry.models import Award, Contract, ContractAgreement, Entity


class ValueOut(msgspec.Struct):
    amount: float
    currency: str | None = None


class ContractSummary(msgspec.Struct, omit_defaults=True):
    id: int
    ocid: str
    dataset: str
    title: str | None = None
    description: str | None = None
    status: str | None = None  # the tender status
    date: str | None = None  # the latest release date
    value: ValueOut | None = None
    buyer: EntityOut | None = None
    suppliers: list[EntityOut] = []
    release_count: int = 0


class PartyOut(msgspec.Struct):
    party_id: str  # the OCDS party id within the process
    roles: list[str]
    entity: EntityOut


class AwardOut(msgspec.Struct, omit_defaults=True):
    id: str
    title: str | None = None
    status: str | None = None
    date: str | None = None
    value: ValueOut | None = None
    suppliers: list[EntityOut] = []


class AgreementOut(msgspec.Struct, omit_defaults=True):
    """An OCDS ``contracts[]`` entry: the signed contract that follows an award."""

    id: str
    award_id: str | None = None
    title: str | None = None
    status: str | None = None
    date_signed: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    value: ValueOut | None = None


class ContractDetail(ContractSummary, omit_defaults=True):
    parties: list[PartyOut] = []
    awards: list[AwardOut] = []
    contracts: list[AgreementOut] = []
    compiled_release: dict[str, Any] = {}


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _value(amount: Decimal | None, currency: str | None) -> ValueOut | None:
    return ValueOut(amount=float(amount), currency=currency) if amount is not None else None


def supplier_ids(contract: Contract) -> list[int]:
    return list(dict.fromkeys(s.entity_id for a in contract.awards for s in a.suppliers))


def entity_ids(contract: Contract) -> set[int]:
    ids = {p.entity_id for p in contract.parties} | set(supplier_ids(contract))
    if contract.buyer_id is not None:
        ids.add(contract.buyer_id)
    return ids


def contract_summary(contract: Contract, entities: dict[int, Entity]) -> ContractSummary:
    buyer = entities.get(contract.buyer_id) if contract.buyer_id is not None else None
    return ContractSummary(
        id=contract.id, ocid=contract.ocid, dataset=contract.dataset, title=contract.title,
        description=contract.description, status=contract.status, date=_iso(contract.date),
        value=_value(contract.value_amount, contract.value_currency),
        buyer=entity_out(buyer) if buyer is not None else None,
        suppliers=[entity_out(entities[i]) for i in supplier_ids(contract) if i in entities],
        release_count=contract.release_count,
    )


def _award(award: Award, entities: dict[int, Entity]) -> AwardOut:
    return AwardOut(
        id=award.award_id, title=award.title, status=award.status, date=_iso(award.date),
        value=_value(award.value_amount, award.value_currency),
        suppliers=[entity_out(entities[s.entity_id]) for s in award.suppliers
                   if s.entity_id in entities])


def _agreement(g: ContractAgreement) -> AgreementOut:
    return AgreementOut(
        id=g.agreement_id, award_id=g.award_id, title=g.title, status=g.status,
        date_signed=_iso(g.date_signed), period_start=_iso(g.period_start),
        period_end=_iso(g.period_end), value=_value(g.value_amount, g.value_currency))


def contract_detail(contract: Contract, entities: dict[int, Entity]) -> ContractDetail:
    summary = contract_summary(contract, entities)
    roles: dict[tuple[int, str], list[str]] = {}
    for p in contract.parties:
        roles.setdefault((p.entity_id, p.party_id), []).append(p.role)
    return ContractDetail(
        **{f: getattr(summary, f) for f in summary.__struct_fields__},
        parties=[PartyOut(party_id=pid, roles=rs, entity=entity_out(entities[eid]))
                 for (eid, pid), rs in roles.items() if eid in entities],
        awards=[_award(a, entities) for a in contract.awards],
        contracts=[_agreement(g) for g in contract.agreements],
        compiled_release=contract.compiled,
    )

"""BODS statements for the ownership tests (the service and its drawings): a statement whose
declaration subject is its own record, a company, a shareholding."""

from __future__ import annotations

from typing import Any


def stmt(sid: str, rid: str, rtype: str, details: dict[str, Any], date: str = "2020-01-01",
         status: str = "new") -> dict[str, Any]:
    return {"statementId": sid.ljust(32, "x"), "statementDate": date, "recordId": rid,
            "recordType": rtype, "recordStatus": status, "declarationSubject": rid,
            "recordDetails": details}


def co(name: str) -> dict[str, Any]:
    return {"isComponent": False, "entityType": {"type": "registeredEntity"}, "name": name}


def holds(subject: str, party: Any, share: dict[str, Any] | None, **extra: Any
          ) -> dict[str, Any]:
    interest: dict[str, Any] = {"type": "shareholding", "directOrIndirect": "direct"}
    if share is not None:
        interest["share"] = share
    interest.update(extra)
    return {"isComponent": False, "subject": subject, "interestedParty": party,
            "interests": [interest]}

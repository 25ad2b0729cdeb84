"""Helpers shared by the lobbying tests: accounts with tokens, complete entries."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from registry.auth.passwords import hash_password
from registry.auth.tokens import issue_token
from registry.models import RegistrantMember, User
from registry.settings import Settings

Client = AsyncTestClient[Litestar]
PASSWORD = "correct horse battery"

ENTRY: dict[str, Any] = {
    "name": "Green Streets Alliance",
    "category": "ngo",
    "legal_form": "Association",
    "head_office": {"address": "Rue de la Loi 1", "city": "Brussels", "country": "BE"},
    "website": "https://greenstreets.example",
    "identifiers": [{"scheme": "BE-BCE_KBO", "id": "0123.456.789"}],
    "description": "Campaigns for safe streets.",
    "subject_matters": ["transport", "urban-planning"],
    "legislative_files": ["Urban Mobility Framework"],
    "lobbyists": [{"name": "Ana Pereira", "role": "Policy officer"}],
    "annual_costs_band": "25000-49999",
    "funding_sources": ["donations"],
    "memberships": [],
}


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


def entry(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(ENTRY)
    data.update(changes)
    return data


async def account(session: AsyncSession, settings: Settings, email: str, role: str = "registrant",
                  registrant_ids: tuple[int, ...] = ()) -> dict[str, str]:
    """An account (committed) and the Authorization header of a fresh token for it.

    Written directly, with one argon2 hash of PASSWORD shared by every test account: hashing
    is deliberately slow, and sign-up itself is tested through the API."""
    user = User(email=email, password_hash=_password_hash(), role=role)
    session.add(user)
    await session.flush()
    for rid in registrant_ids:
        session.add(RegistrantMember(user_id=user.id, registrant_id=rid))
    await session.commit()
    token = issue_token(settings.effective_secret_key(), user.id, 3600)
    return {"Authorization": f"Bearer {token}"}


async def create_draft(client: Client, headers: dict[str, str],
                       data: dict[str, Any] | None = None) -> dict[str, Any]:
    r = await client.post("/api/v1/registrants", json=data or entry(), headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


async def publish(client: Client, member: dict[str, str], registrar: dict[str, str],
                  data: dict[str, Any] | None = None) -> dict[str, Any]:
    """Draft, submit, approve: the published view."""
    draft = await create_draft(client, member, data)
    r = await client.post(f"/api/v1/registrants/{draft['id']}/submit", headers=member)
    assert r.status_code == 200, r.text
    r = await client.post(f"/api/v1/registrants/{draft['id']}/approve", headers=registrar)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body

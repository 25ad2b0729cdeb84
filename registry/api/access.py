"""Who may call an endpoint. Every route handler declares ``opt={"access": ...}``;
a test walks the app and fails on any handler that does not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PUBLIC = "public"  # anyone, anonymous included; published data only
AUTHENTICATED = "authenticated"  # any signed-in account
REGISTRANT = "registrant"  # a member of the registrant in the path (or registrar/admin)
REGISTRAR = "registrar"  # registrar or admin
ADMIN = "admin"

LEVELS = frozenset({PUBLIC, AUTHENTICATED, REGISTRANT, REGISTRAR, ADMIN})


def access(level: str) -> dict[str, str]:
    assert level in LEVELS, level
    return {"access": level}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: set on ``request.scope["user"]`` by the authentication middleware
    (registry/auth), absent for anonymous callers."""

    user_id: int
    email: str
    role: str  # registrant | registrar | admin
    registrant_ids: frozenset[int] = frozenset()
    scopes: frozenset[str] = frozenset()  # API-key scopes; empty for a password login

    @property
    def is_registrar(self) -> bool:
        return self.role in {"registrar", "admin"}


def principal_of(scope: Any) -> Principal | None:
    user = scope.get("user") if hasattr(scope, "get") else None
    return user if isinstance(user, Principal) else None

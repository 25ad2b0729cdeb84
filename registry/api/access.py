"""Who may call an endpoint. Every route handler declares ``opt={"access": ...}``;
a test walks the app and fails on any handler that does not."""

from __future__ import annotations

PUBLIC = "public"  # anyone, anonymous included; published data only
AUTHENTICATED = "authenticated"  # any signed-in account
REGISTRANT = "registrant"  # a member of the registrant in the path (or registrar/admin)
REGISTRAR = "registrar"  # registrar or admin
ADMIN = "admin"

LEVELS = frozenset({PUBLIC, AUTHENTICATED, REGISTRANT, REGISTRAR, ADMIN})


def access(level: str) -> dict[str, str]:
    assert level in LEVELS, level
    return {"access": level}

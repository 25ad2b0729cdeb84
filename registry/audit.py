"""The audit log: every write adds one row, in the same transaction as the write.

Details never carry secrets: any key that names one (password, token, secret, key hash...)
is dropped before the row is written, whatever the caller passes in.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from registry.api.access import Principal, principal_of
from registry.api.client_address import client_address
from registry.models import AuditLog

SECRET_MARKERS = ("password", "token", "secret", "authorization", "api_key", "key_hash")


def scrub(value: Any) -> Any:
    """A copy of ``value`` without secret-named keys, at any depth."""
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()
                if not any(m in str(k).lower() for m in SECRET_MARKERS)}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def audit(session: AsyncSession, actor: Principal | str | None, action: str,
          object_type: str, object_id: Any = None, details: dict[str, Any] | None = None,
          ip: str | None = None) -> AuditLog:
    """Add the audit row to the session; it commits (or rolls back) with the write."""
    row = AuditLog(
        actor_id=actor.user_id if isinstance(actor, Principal) else None,
        actor=actor.email if isinstance(actor, Principal) else (actor or "system"),
        action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=scrub(details or {}), ip=ip,
    )
    session.add(row)
    return row


class Actor:
    """Who did a request's write, and from where: what ``audit`` needs from a request."""

    def __init__(self, request: Request[Any, Any, Any]) -> None:
        self.principal = principal_of(request.scope)
        self.ip = client_address(request)

    def log(self, session: AsyncSession, action: str, object_type: str, object_id: Any = None,
            details: dict[str, Any] | None = None) -> AuditLog:
        return audit(session, self.principal, action, object_type, object_id, details, self.ip)

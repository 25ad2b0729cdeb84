"""The one guard: every route handler's ``opt["access"]`` is enforced here, app-wide.

Declaring the level is therefore the enforcement; a handler without a declaration is refused
(fail closed), except the OpenAPI documents. 401 without (valid) credentials, 403 with the
wrong role; REGISTRANT means a member of the registrant named by the path parameter
``registrant_id``, or a registrar/admin. API keys carry scopes: ``read`` keys may only read.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from registry.api.access import (
    ADMIN,
    AUTHENTICATED,
    LEVELS,
    PUBLIC,
    REGISTRANT,
    REGISTRAR,
    principal_of,
)
from registry.api.problems import Problem

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BEARER = {"WWW-Authenticate": 'Bearer realm="registry"'}


def _unauthorised(detail: str, error: str | None = None) -> Problem:
    challenge = 'Bearer realm="registry"' + (f', error="{error}"' if error else "")
    return Problem(401, detail, type_="unauthorised", headers={"WWW-Authenticate": challenge})


def access_guard(connection: ASGIConnection[Any, Any, Any, Any],
                 handler: BaseRouteHandler) -> None:
    level = handler.opt.get("access")
    if level is None:
        if connection.scope.get("method") == "OPTIONS":
            return  # Litestar's automatic OPTIONS handlers: they only list allowed methods
        config = connection.app.openapi_config
        docs = (config.path if config else None) or "/schema"
        if connection.scope["path"].startswith(docs):
            return  # the OpenAPI documents are public by design
    if level not in LEVELS:
        raise Problem(403, "This endpoint declares no access level and is closed.",
                      type_="forbidden")
    auth = connection.scope.get("auth")
    if isinstance(auth, dict) and auth.get("error"):
        raise _unauthorised(str(auth["error"]), "invalid_token")
    principal = principal_of(connection.scope)
    if level == PUBLIC:
        return
    if principal is None:
        raise _unauthorised("Sign in: send 'Authorization: Bearer <token or API key>'.")
    method = connection.scope.get("method", "GET")
    if principal.scopes and method not in READ_METHODS and "write" not in principal.scopes:
        raise Problem(403, "This API key may only read (scope 'read').", type_="forbidden")
    if level == AUTHENTICATED:
        return
    if level == ADMIN:
        if principal.role != "admin":
            raise Problem(403, "Only an administrator may do this.", type_="forbidden")
        return
    if level == REGISTRAR:
        if not principal.is_registrar:
            raise Problem(403, "Only the registrar may do this.", type_="forbidden")
        return
    assert level == REGISTRANT
    if principal.is_registrar:
        return
    raw = connection.path_params.get("registrant_id")
    if raw is None:
        raise Problem(403, "This endpoint names no registrant and is closed.", type_="forbidden")
    if int(raw) not in principal.registrant_ids:
        raise Problem(403, f"You are not a member of registrant {raw}.", type_="forbidden",
                      field="registrant_id")

"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy import exc as sa_exc

from registry.logging import get_logger

log = get_logger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://transparency-registry.org/problems/"


class Problem(HTTPException):
    """An error with a problem type and, where one field is at fault, that field.

    Domain code raises ``Problem(422, "...", field="name")``; the handler renders it.
    """

    def __init__(self, status_code: int, detail: str, *, type_: str | None = None,
                 field: str | None = None, title: str | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(status_code=status_code, detail=detail, headers=headers)
        self.type_ = type_
        self.field = field
        self.title = title
        self.extra_members = extra


def _errors_from_validation(exc: ValidationException) -> list[dict[str, Any]]:
    errors: list[dict[str, Any]] = []
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, dict):
            errors.append({"field": item.get("key"), "message": item.get("message"),
                           "source": item.get("source")})
    return errors


def problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = HTTP_500_INTERNAL_SERVER_ERROR
    body: dict[str, Any]
    headers: dict[str, str] = {}
    if isinstance(exc, HTTPException):
        status = exc.status_code
        headers = dict(exc.headers or {})
        body = {"type": "about:blank", "title": _title(status), "status": status,
                "detail": exc.detail}
        if isinstance(exc, ValidationException):
            body["type"] = TYPE_BASE + "validation"
            body["title"] = "Invalid request"
            body["errors"] = _errors_from_validation(exc)
            fields = [e["field"] for e in body["errors"] if e.get("field")]
            if fields:
                body["field"] = fields[0]
        if isinstance(exc, Problem):
            if exc.type_:
                body["type"] = TYPE_BASE + exc.type_
            if exc.title:
                body["title"] = exc.title
            if exc.field:
                body["field"] = exc.field
                body.setdefault("errors", [{"field": exc.field, "message": exc.detail}])
            body.update(exc.extra_members)
    elif _is_out_of_range(exc):
        # An integer past int64 (an id, a filter) reached the driver: the caller's mistake.
        status = 400
        field = _out_of_range_field(request)
        body = {"type": TYPE_BASE + "validation", "title": "Invalid request", "status": status,
                "detail": "A number is out of range (at most 2**63 - 1)."}
        if field:
            body["field"] = field
            body["errors"] = [{"field": field, "message": body["detail"]}]
    elif _is_overload(exc):
        # The database is busy (no connection free in time) or a statement ran past its
        # timeout (registry/db/limits.py): the caller may retry; nothing is broken.
        status = 503
        headers = {"Retry-After": "5"}
        log.warning("database_overloaded", path=request.url.path, error=type(exc).__name__)
        body = {"type": TYPE_BASE + "busy", "title": "Service Unavailable", "status": status,
                "detail": "The database is busy; try again shortly."}
    else:
        log.error("unhandled_error", path=request.url.path, exc_info=exc)
        body = {"type": "about:blank", "title": "Internal Server Error", "status": status,
                "detail": "An unexpected error occurred; it has been logged."}
    body["instance"] = request.url.path
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _is_out_of_range(exc: Exception) -> bool:
    seen: BaseException | None = exc
    for _ in range(5):  # the driver's error is wrapped by SQLAlchemy
        if seen is None:
            return False
        if isinstance(seen, OverflowError) or ("out of range" in str(seen).lower() and (
                type(seen).__name__ in {"DataError", "NumericValueOutOfRangeError",
                                        "DBAPIError"})):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _out_of_range_field(request: Request[Any, Any, Any]) -> str | None:
    values = [*request.path_params.items(), *request.query_params.items()]
    for name, value in values:
        try:
            if abs(int(str(value))) > 2**63 - 1:
                return str(name)
        except ValueError:
            continue
    return None


def _is_overload(exc: Exception) -> bool:
    if isinstance(exc, (sa_exc.TimeoutError, TimeoutError, ConnectionError)):
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        orig = getattr(exc.orig, "__cause__", None) or exc.orig
        name = type(orig).__name__
        return name in {"QueryCanceledError", "IdleInTransactionSessionTimeoutError",
                        "CannotConnectNowError", "ConnectionDoesNotExistError",
                        "TooManyConnectionsError"} or isinstance(orig, OSError)
    return False


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def content_problem_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """For controllers whose bodies are filed content (meetings, returns): a body that is
    JSON of the right shape but breaks a rule (a value or list too long, a wrong type) is
    422 naming the field, as a register entry's is; anything else as ``problem_response``."""
    response = problem_response(request, exc)
    if isinstance(exc, ValidationException):
        errors = _errors_from_validation(exc)
        if errors and all(e["source"] == "body" and e["field"] for e in errors):
            response.status_code = 422
            if isinstance(response.content, dict):
                response.content["status"] = 422
    return response

"""``create_app(settings, database_url)``: builds the whole service; nothing happens at import."""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ASGIApp, Receive, Scope, Send

from registry import __version__
from registry.accounts.api import AccountController, AuditController, AuthController
from registry.api.input_guard import input_guard
from registry.api.problems import problem_response
from registry.api.session import provide_db_session, provide_sessionmaker
from registry.auth.guard import access_guard
from registry.auth.middleware import authentication_middleware
from registry.changes.api import ChangeController
from registry.contracts.api import ContractController
from registry.db import limits
from registry.db.engine import make_engine, make_sessionmaker
from registry.donations.api import DonationController, EntityDonationController
from registry.entities.api import EntityController
from registry.exports.api import ExportController
from registry.exports.bods_api import BodsExportController
from registry.exports.downloads import DownloadController
from registry.exports.ocds_api import OcdsExportController
from registry.exports.schedule import publish_lifespan
from registry.health import health, ready
from registry.http_cache import cache_lifespan, http_cache_middleware
from registry.links.api import LinkController, MatchController
from registry.logging import get_logger
from registry.meetings.api import MeetingController, RegistrantMeetingController
from registry.ownership.api import OwnershipController
from registry.pages.api import PageController
from registry.pages.graphs import GraphFileController
from registry.pages.lists import ListPageController
from registry.pages.public import PublicPageController
from registry.registrants.api import RegistrantController
from registry.returns.api import ReturnController
from registry.searching.api import SearchController
from registry.searching.lifespan import search_lifespan
from registry.settings import Settings

log = get_logger("registry.http")

# Each feature contributes its controllers here, one line each.
API_V1_HANDLERS: list[Any] = [EntityController, ExportController]
API_V1_HANDLERS += [AccountController, AuthController, AuditController]
API_V1_HANDLERS += [RegistrantController, ReturnController]
API_V1_HANDLERS += [MeetingController, RegistrantMeetingController]
API_V1_HANDLERS += [LinkController, MatchController]
API_V1_HANDLERS += [OwnershipController, BodsExportController]
API_V1_HANDLERS += [ContractController, OcdsExportController]
API_V1_HANDLERS += [SearchController]
API_V1_HANDLERS += [DonationController, EntityDonationController]
API_V1_HANDLERS += [ChangeController]


def _request_logging(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, int] = {}

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await app(scope, receive, send_wrapper)
        finally:
            # The query string may carry a cursor but never credentials; headers are not logged.
            log.info("request", method=scope.get("method"), path=scope["path"],
                     status=status.get("code"),
                     ms=round((time.perf_counter() - started) * 1000, 1))

    return middleware


def create_app(
    settings: Settings,
    database_url: str,
    *,
    extra_lifespan: Sequence[Callable[[Litestar], Any]] = (),
) -> Litestar:
    @asynccontextmanager
    async def database(app: Litestar) -> AsyncGenerator[None, None]:
        # No ping on checkout: with asyncpg it is BEGIN, a statement and ROLLBACK, three round
        # trips before every request's first query. After a database restart the first use
        # of each stale connection fails once and the pool is renewed.
        engine = make_engine(database_url,
                             **{**limits.request_engine_options(), "pool_pre_ping": False})
        export_engine = make_engine(database_url, **limits.export_engine_options())
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.export_engine = export_engine
        app.state.export_sessionmaker = make_sessionmaker(export_engine)
        app.state.settings = settings
        try:
            yield
        finally:
            await export_engine.dispose()
            await engine.dispose()

    api_v1 = Router(path="/api/v1", route_handlers=API_V1_HANDLERS)
    openapi = OpenAPIConfig(
        title="Transparency Registry API",
        version=__version__,
        description=(
            "Lobbying register, beneficial ownership and public procurement, linked. "
            "Errors are RFC 9457 problem+json; lists are cursor-paginated."
        ),
        path="/schema",
        render_plugins=[ScalarRenderPlugin()],
        components=Components(security_schemes={
            "bearer": SecurityScheme(type="http", scheme="bearer",
                                     description="A token from /api/v1/auth/token or an API key"),
        }),
    )
    return Litestar(
        route_handlers=[health, ready, api_v1, PageController, PublicPageController,
                        DownloadController, GraphFileController, ListPageController],
        dependencies={
            "db_session": Provide(provide_db_session),
            "sessionmaker": Provide(provide_sessionmaker, sync_to_thread=False),
        },
        # The search backend and its outbox worker need the database's sessionmaker.
        lifespan=[database, search_lifespan, publish_lifespan(database_url),
                  cache_lifespan(settings.http_cache_mb << 20, database_url), *extra_lifespan],
        exception_handlers={Exception: problem_response},
        openapi_config=openapi,
        # Authentication names the caller; the one guard enforces every handler's
        # declared access level (registry/api/access.py); public reads are then answered
        # from the cache or given validators (registry/http_cache.py).
        middleware=[_request_logging, input_guard, authentication_middleware,
                    http_cache_middleware],
        guards=[access_guard],
        # Logging is ours (structlog JSON, configured by the CLI); Litestar must not reset it.
        logging_config=None,
        debug=False,
    )

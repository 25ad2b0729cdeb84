"""``/pages/...``: the lobbyists' and registrars' pages, inside the site's layout.

The pages are server-rendered shells; their script signs in through ``/api/v1/auth/token``
and keeps the token in the tab's sessionStorage (no cookie, so no cross-site request
forgery), then reads and writes through the API, showing each problem+json error next to
its field. Pages: sign-in (and sign-up), the registration form (a draft, its checklist,
submission), filing a return, declaring a meeting, and the registrars' review queue
(entries to approve or reject, candidate links to confirm or reject with their evidence).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath

from registry.api.access import PUBLIC, access
from registry.api.problems import Problem

ASSETS = {"register.js": "text/javascript", "signin.js": "text/javascript",
          "review.js": "text/javascript", "filing.js": "text/javascript",
          "pages.css": "text/css", "site.css": "text/css"}
SECURITY_HEADERS = {
    # Only our own script and style; no framing.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _read(name: str) -> str:
    return resources.files("registry.pages").joinpath(name).read_text("utf-8")


def _page(request: Request[Any, Any, Any], template: str, title: str,
          description: str) -> Response[str]:
    from .render import page  # render imports SECURITY_HEADERS from here

    return page(template, request=request, title=title, description=description)


class PageController(Controller):
    path = "/pages"
    tags = ["pages"]
    include_in_schema = False

    @get("/sign-in", operation_id="pageSignIn", opt=access(PUBLIC), media_type="text/html")
    async def sign_in(self, request: Request[Any, Any, Any]) -> Response[str]:
        return _page(request, "sign_in.html", "Sign in",
                     "Lobbyists sign in or create an account to register their organisation, "
                     "file returns and declare meetings; registrars to review entries.")

    @get("/register", operation_id="pageRegister", opt=access(PUBLIC), media_type="text/html",
         summary="The registration form: a new draft, or ?id= an existing one")
    async def register(self, request: Request[Any, Any, Any]) -> Response[str]:
        return _page(request, "register.html", "Your register entry",
                     "The lobbying register's entry form: save a draft, see what is still "
                     "missing, submit it for review.")

    @get("/returns", operation_id="pageReturnForm", opt=access(PUBLIC), media_type="text/html",
         summary="Filing a periodic return (?id= the registrant)")
    async def returns(self, request: Request[Any, Any, Any]) -> Response[str]:
        return _page(request, "return_form.html", "File a return",
                     "File the periodic return of a registered organisation: the period, "
                     "costs, clients' income and legislation followed.")

    @get("/meeting", operation_id="pageMeetingForm", opt=access(PUBLIC),
         media_type="text/html", summary="Declaring a meeting (?id= the registrant)")
    async def meeting(self, request: Request[Any, Any, Any]) -> Response[str]:
        return _page(request, "meeting_form.html", "Declare a meeting",
                     "Declare a meeting with public officials: date, officials, institution, "
                     "subject and the clients represented.")

    @get("/review", operation_id="pageReview", opt=access(PUBLIC), media_type="text/html",
         summary="The registrars' review queue (entries and candidate links)")
    async def review(self, request: Request[Any, Any, Any]) -> Response[str]:
        return _page(request, "review.html", "Review queue",
                     "Registrars approve or reject submitted register entries and confirm or "
                     "reject candidate links between records, with their evidence.")

    @get("/static/{name:str}", operation_id="pageAsset", opt=access(PUBLIC))
    async def asset(self, name: FromPath[str]) -> Response[str]:
        if name not in ASSETS:
            raise Problem(404, f"No asset {name!r}.", field="name")
        return Response(_read(name), media_type=ASSETS[name], headers=SECURITY_HEADERS)

"""``/pages/...``: the sign-in page and the registration form, with their script and style.

The pages are static HTML: the script signs in through ``/api/v1/auth/token`` and keeps the
token in the tab's sessionStorage (no cookie, so no cross-site request forgery), then reads and
writes the draft through the API, showing each problem+json error next to its field.
"""

from __future__ import annotations

from importlib import resources

from litestar import Controller, Response, get
from litestar.params import FromPath

from registry.api.access import PUBLIC, access
from registry.api.problems import Problem

ASSETS = {"register.js": "text/javascript", "signin.js": "text/javascript",
          "pages.css": "text/css", "site.css": "text/css"}
SECURITY_HEADERS = {
    # Only our own script and style; no framing.
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _read(name: str) -> str:
    return resources.files("registry.pages").joinpath(name).read_text("utf-8")


class PageController(Controller):
    path = "/pages"
    tags = ["pages"]
    include_in_schema = False

    @get("/sign-in", operation_id="pageSignIn", opt=access(PUBLIC), media_type="text/html")
    async def sign_in(self) -> Response[str]:
        return Response(_read("sign-in.html"), media_type="text/html", headers=SECURITY_HEADERS)

    @get("/register", operation_id="pageRegister", opt=access(PUBLIC), media_type="text/html",
         summary="The registration form: a new draft, or ?id= an existing one")
    async def register(self) -> Response[str]:
        return Response(_read("register.html"), media_type="text/html", headers=SECURITY_HEADERS)

    @get("/static/{name:str}", operation_id="pageAsset", opt=access(PUBLIC))
    async def asset(self, name: FromPath[str]) -> Response[str]:
        if name not in ASSETS:
            raise Problem(404, f"No asset {name!r}.", field="name")
        return Response(_read(name), media_type=ASSETS[name], headers=SECURITY_HEADERS)

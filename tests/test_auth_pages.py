"""The lobbyists' pages: served with a strict CSP, and the form names only real entry fields."""

from __future__ import annotations

import re
from importlib import resources

import msgspec

from registry.registrants.schemas import Address, Entry

from .lobbying_support import Client


async def test_pages_and_assets_are_served(client: Client) -> None:
    for path in ("/pages/sign-in", "/pages/register"):
        r = await client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "<script src=\"/pages/static/" in r.text
    js = await client.get("/pages/static/register.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/pages/static/api.py")).status_code == 404


def test_form_fields_are_entry_fields() -> None:
    html = resources.files("registry.pages").joinpath("templates/register.html").read_text(
        "utf-8")
    fields = re.findall(r'data-field="([^"]+)"', html)
    entry_fields = {f.name for f in msgspec.structs.fields(Entry)}
    address_fields = {f.name for f in msgspec.structs.fields(Address)}
    assert fields
    for field in fields:
        head, _, tail = field.partition(".")
        assert head in entry_fields, field
        if tail:
            assert tail in address_fields, field
    # every entry field has its input
    assert entry_fields - {f.partition(".")[0] for f in fields} == {"identifiers"}

"""``/registrants`` and ``/meetings``: filters in the query string, paging, the CSV of the
filtered list; and on every page a title that names the thing, an og: description and a
canonical URL."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from registry.demo.load import link_demo
from registry.pages import lists

Client = AsyncTestClient[Litestar]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _meta(html: str) -> tuple[str, str, str]:
    title = re.search(r"<title>(.*?)</title>", html, re.S)
    og = re.search(r'<meta property="og:description" content="([^"]*)"', html)
    canonical = re.search(r'<link rel="canonical" href="([^"]*)"', html)
    assert title and og and canonical, html[:600]
    return title.group(1), og.group(1), canonical.group(1)


async def test_registrants_filters_paging_and_csv(demo: Any, client: Client,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    page = await client.get("/registrants")
    assert page.status_code == 200
    assert "Acme Public Affairs S.L." in page.text
    assert "Asociación de Constructores de Madrid" in page.text
    only = await client.get("/registrants", params={"q": "constructores"})
    assert "Asociación de Constructores" in only.text and "Acme Public Affairs" not in only.text
    title, og, canonical = _meta(only.text)
    assert title.startswith("Registrants: q constructores")
    assert canonical == "http://testserver.local/registrants?q=constructores"
    assert "constructores" in og
    assert 'href="/registrants.csv?q=constructores"' in only.text
    # An unknown code is named beside its filter; the rest still applies.
    bad = await client.get("/registrants", params={"category": "spies", "q": "acme"})
    assert bad.status_code == 200 and "Unknown category" in bad.text
    assert 'aria-invalid="true"' in bad.text and "Acme Public Affairs" in bad.text
    assert "Asociación" not in bad.text.split("<table", 1)[-1]

    monkeypatch.setattr(lists, "PAGE_SIZE", 1)
    first = await client.get("/registrants")
    nxt = re.search(r'<a rel="next" href="([^"]+)"', first.text)
    assert nxt, "a next-page link"
    second = await client.get(nxt.group(1).replace("&amp;", "&"))
    names = [re.findall(r'<td><a href="/registrants/\d+">([^<]+)</a>', p.text)
             for p in (first, second)]
    assert len(names[0]) == len(names[1]) == 1 and names[0] != names[1]
    assert 'rel="next"' not in second.text and "back to the first" in second.text

    rows = _rows((await client.get("/registrants.csv")).text)
    assert {r["name"] for r in rows} == {"Acme Public Affairs S.L.",
                                         "Asociación de Constructores de Madrid"}
    r = await client.get("/registrants.csv", params={"q": "acme"})
    assert r.headers["content-type"].startswith("text/csv")
    assert [x["name"] for x in _rows(r.text)] == ["Acme Public Affairs S.L."]
    wrong = await client.get("/registrants.csv", params={"country": "Spain"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "country"


async def test_meetings_filters_paging_and_csv(database_url: str, demo: Any,
                                               client: Client,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    await link_demo(database_url)
    page = await client.get("/meetings")
    assert "Road resurfacing programme 2024" in page.text
    assert "Building permits backlog" in page.text
    one = await client.get("/meetings", params={"one_sided": "true"})
    assert "Building permits backlog" in one.text
    assert "Road resurfacing programme 2024" not in one.text
    dated = await client.get("/meetings", params={"date_from": "2024-01-01"})
    assert "Building permits backlog" in dated.text and "Road resurfacing" not in dated.text
    who = await client.get("/meetings", params={"official": "delgado",
                                                "institution": "madrid"})
    assert "Road resurfacing" in who.text and "Building permits" in who.text
    registrant = re.search(r'<option value="(\d+)">Acme Public Affairs', page.text)
    assert registrant
    theirs = await client.get("/meetings", params={"registrant_id": registrant.group(1)})
    assert "Road resurfacing" in theirs.text and "Building permits" not in theirs.text
    bad = await client.get("/meetings", params={"date_from": "last week"})
    assert bad.status_code == 200 and "is not a date" in bad.text
    title, _, canonical = _meta(one.text)
    assert title.startswith("Meetings: one sided true")
    assert canonical.endswith("/meetings?one_sided=true")

    monkeypatch.setattr(lists, "PAGE_SIZE", 1)
    first = await client.get("/meetings")
    nxt = re.search(r'<a rel="next" href="([^"]+)"', first.text)
    assert nxt and "Building permits backlog" in first.text  # newest first
    second = await client.get(nxt.group(1).replace("&amp;", "&"))
    assert "Road resurfacing" in second.text and "Building permits" not in second.text

    rows = _rows((await client.get("/meetings.csv", params={"one_sided": "true"})).text)
    assert [(r["subject"], r["one_sided"], r["declared_by"]) for r in rows] == [
        ("Building permits backlog", "True", "official")]
    assert len(_rows((await client.get("/meetings.csv")).text)) == 2
    wrong = await client.get("/meetings.csv", params={"date_to": "soon"})
    assert wrong.status_code == 400 and wrong.json()["field"] == "date_to"


async def test_every_page_names_itself(database_url: str, demo: Any, client: Client) -> None:
    await link_demo(database_url)
    home = await client.get("/")
    assert 'href="/downloads/"' in home.text  # the watchdogs' way in
    entity = re.search(r'href="(/entities/\d+)">Acme Construction Limited', (await client.get(
        "/contracts/ocds-demo-0001")).text)
    assert entity
    registrant = re.search(r'href="(/registrants/\d+)">Acme Public Affairs', (await client.get(
        "/registrants")).text)
    assert registrant
    pages = {"/": "Transparency registry", "/search?q=acme": "Search: acme",
             entity.group(1): "Acme Construction Limited",
             "/contracts/ocds-demo-0001": "Resurfacing of Calle de Alcalá",
             registrant.group(1): "Acme Public Affairs S.L.", "/registrants": "Registrants",
             "/meetings": "Meetings", "/pages/sign-in": "Sign in",
             "/pages/register": "Your register entry", "/pages/review": "Review queue",
             "/pages/returns": "File a return", "/pages/meeting": "Declare a meeting"}
    for path, name in pages.items():
        r = await client.get(path)
        title, og, canonical = _meta(r.text)
        assert title == f"{name} · Transparency registry", (path, title)
        assert len(og) > 30, (path, og)
        assert canonical.startswith("http://testserver.local/"), (path, canonical)
        assert '<nav aria-label="Main">' in r.text, path  # inside the layout
    missing = await client.get("/entities/999999")
    assert missing.status_code == 404 and "<title>Not found · " in missing.text
    assert 'rel="canonical"' not in missing.text  # nothing to point search engines at
    contract = await client.get("/contracts/ocds-demo-0001")
    assert _meta(contract.text)[2] == (
        "http://testserver.local/contracts/ocds-demo-0001?dataset=demo-ocds")
    assert "ACME CONSTRUCTION LTD." in _meta(contract.text)[1]

"""The public pages (``/``, ``/search``, ``/entities/{id}``, ``/contracts/{ocid}``,
``/registrants/{id}``) on the linked demo: the facts a journalist needs, escaped, and
nothing restricted or unpublished."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.db.engine import make_engine, make_sessionmaker
from registry.demo.load import link_demo
from registry.entities.write import set_names
from registry.models import Contract, Dataset, Entity, ImportRun, Registrant
from registry.pages.render import safe_highlight
from registry.settings import Settings
from search.factory import make_backend
from search.sync import drain
from tests.lobbying_support import account, create_draft, entry

HttpClient = AsyncTestClient[Litestar]
EVIL = "<script>alert('x')</script> Acme Evil & Sons"
RESTRICTED = ("Elm Close", "1968-04-17")


@pytest.fixture
async def linked(database_url: str, demo: dict[str, Any]) -> dict[str, Any]:
    """The demo, linked the way ``registry serve --demo`` links it."""
    stats = await link_demo(database_url)
    assert stats.auto >= 4
    return demo


@pytest.fixture
async def sessionmaker(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def evil_entity(session: AsyncSession) -> int:
    session.add(Dataset(name="test", title="Test", source="test"))
    run = ImportRun(dataset="test", source="test", status="completed")
    session.add(run)
    await session.flush()
    entity = Entity(kind="company", name=EVIL, dataset="test", source_key="test-evil",
                    country="GB", restricted={"address": "7 Secret Lane"},
                    import_run_id=run.id)
    set_names(entity, EVIL)
    session.add(entity)
    await session.commit()
    return entity.id


async def entity_id(session: AsyncSession, key: str) -> int:
    found = await session.scalar(select(Entity.id).where(Entity.source_key == key))
    assert found is not None, key
    return found


def html_of(r: Any) -> str:
    assert r.headers["content-type"].startswith("text/html"), r.headers["content-type"]
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    text: str = r.text
    return text


def text_of(page: str) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


async def test_home_counts_and_links(client: HttpClient, session: AsyncSession,
                                     linked: dict[str, Any]) -> None:
    page = html_of(await client.get("/"))
    companies = await session.scalar(select(func.count()).where(Entity.kind == "company"))
    contracts = await session.scalar(select(func.count()).select_from(Contract))
    published = await session.scalar(select(func.count()).select_from(Registrant).where(
        Registrant.published_version.is_not(None)))
    assert companies and contracts and published
    seen = text_of(page)
    assert f"Companies {companies} " in seen
    assert f"Contracts {contracts} " in seen
    assert f"Published registrants {published} " in seen
    for href in ("/schema", "/api/v1/exports/bods", "/api/v1/exports/ocds",
                 "/pages/sign-in", "/pages/register", "/pages/static/site.css"):
        assert f'href="{href}"' in page, href
    assert '<form class="bigsearch" action="/search"' in page
    css = await client.get("/pages/static/site.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")


async def test_contract_page_tells_who_is_behind(client: HttpClient,
                                                 linked: dict[str, Any]) -> None:
    r = await client.get("/contracts/ocds-demo-0001")
    assert r.status_code == 200, r.text
    page = html_of(r)
    seen = text_of(page)
    for fact in ("Ayuntamiento de Madrid", "ACME CONSTRUCTION LTD.",
                 "Acme Construction Limited", "John Andrew Smith", "Acme Holdings Ltd",
                 "Acme Public Affairs S.L.", "R000001", "2023-09-12", "Carmen Delgado",
                 "Owners on 2024-03-15", "from 2023-03-15 to 2024-03-15",
                 "37.5 to 56.25%", "identifier", "auto"):
        assert fact in seen, fact
    # The chain reads supplier -> linked company -> owners -> registrant -> meeting.
    order = [seen.index(x) for x in ("Supplier", "The same company in other records",
                                     "Owners on", "In the lobbying register",
                                     "Meetings with the buyer")]
    assert order == sorted(order)
    for secret in RESTRICTED:
        assert secret not in page


async def test_entity_page(client: HttpClient, session: AsyncSession,
                           linked: dict[str, Any]) -> None:
    company = await entity_id(session, "GB-COH-01234567")
    page = html_of(await client.get(f"/entities/{company}"))
    seen = text_of(page)
    assert "Acme Construction Limited" in seen and "GB-COH-01234567" in seen
    assert "John Andrew Smith" in seen and "Acme Holdings Ltd" in seen  # owners today
    assert "ACME CONSTRUCTION LTD." in seen and "score" in seen  # linked supplier
    assert "Under its other records" in seen and "Resurfacing of Calle de Alcal" in seen
    # The contract, reached through the supplier record it is linked to, or directly.
    supplier = await session.scalar(select(Entity.id).where(
        Entity.name == "ACME CONSTRUCTION LTD."))
    supplier_page = text_of(html_of(await client.get(f"/entities/{supplier}")))
    assert "As supplier" in supplier_page and "Ayuntamiento de Madrid" in supplier_page
    assert 'href="/contracts/ocds-demo-0001' in (await client.get(f"/entities/{supplier}")).text
    buyer = await session.scalar(select(Entity.id).where(
        Entity.name == "Ayuntamiento de Madrid"))
    assert "As buyer" in text_of((await client.get(f"/entities/{buyer}")).text)

    # The person: holdings, and nothing restricted.
    smith = await session.scalar(select(Entity.id).where(Entity.name == "John Andrew Smith"))
    smith_page = html_of(await client.get(f"/entities/{smith}"))
    assert "Acme Holdings Ltd" in smith_page and "Holdings" in smith_page
    for secret in RESTRICTED:
        assert secret not in smith_page

    # A register entity: its role and registrant.
    holdings = await session.scalar(select(Entity.id).where(
        Entity.name == "ACME Holdings Limited"))
    reg_page = html_of(await client.get(f"/entities/{holdings}"))
    assert "Client of" in text_of(reg_page) and "Acme Public Affairs S.L." in reg_page
    assert 'href="/registrants/' in reg_page


async def test_registrant_page(client: HttpClient, session: AsyncSession,
                               settings: Settings, linked: dict[str, Any]) -> None:
    reg = await session.scalar(select(Registrant).where(
        Registrant.registration_number == "R000001"))
    assert reg is not None
    page = html_of(await client.get(f"/registrants/{reg.id}"))
    seen = text_of(page)
    assert "Acme Public Affairs S.L." in seen and "R000001" in seen
    for heading in ("Lobbyists", "Clients", "Returns", "Meetings",
                    "Annual lobbying costs"):
        assert heading in seen
    assert "ACME Holdings Limited" in seen and "2023-09-12" in seen and "Carmen Delgado" in seen

    # A draft is not published: no page.
    headers = await account(session, settings, "drafter@example.org", "registrant", ())
    draft = await create_draft(client, headers, entry(name="Unpublished Draft Ltd"))
    r = await client.get(f"/registrants/{draft['id']}")
    assert r.status_code == 404 and "Unpublished Draft" not in r.text
    assert r.headers["content-type"].startswith("text/html")


async def test_unknown_ids_give_a_404_page(client: HttpClient, linked: dict[str, Any]) -> None:
    for path in ("/entities/999999", "/contracts/ocds-nothing", "/registrants/999999"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert "Not found" in html_of(r), path


async def test_search_page(client: HttpClient, session: AsyncSession, settings: Settings,
                           sessionmaker: async_sessionmaker[AsyncSession],
                           linked: dict[str, Any]) -> None:
    evil = await evil_entity(session)
    backend = make_backend(settings, sessionmaker, refresh=True)
    try:
        await drain(sessionmaker, backend)
    finally:
        await backend.close()
    r = await client.get("/search", params={"q": "acme"})
    assert r.status_code == 200, r.text
    page = html_of(r)
    assert "<em>" in page  # highlights kept
    assert f'href="/entities/{evil}"' in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "7 Secret Lane" not in page
    # Facets are links that keep the query.
    assert re.search(r'href="/search\?q=acme&amp;kind=company"', page)
    r = await client.get("/search", params={"q": "acme", "kind": "person"})
    assert "ACME CONSTRUCTION LTD." not in html_of(r)
    # Paging by cursor.
    first = html_of(await client.get("/search", params={"q": "a"}))
    if 'rel="next"' in first:
        nxt = re.search(r'rel="next" href="([^"]+)"', first)
        assert nxt is not None
        assert (await client.get(nxt.group(1).replace("&amp;", "&"))).status_code == 200
    # Bad input: a clear message, not a crash.
    r = await client.get("/search", params={"q": "acme", "kind": "nonsense"})
    assert r.status_code == 400 and "Unknown kind" in html_of(r)
    r = await client.get("/search", params={"q": "acme", "cursor": "garbage"})
    assert r.status_code == 400 and "no longer valid" in html_of(r)
    assert (await client.get("/search")).status_code == 200  # an empty form


async def test_escaping(client: HttpClient, session: AsyncSession) -> None:
    evil = await evil_entity(session)
    page = html_of(await client.get(f"/entities/{evil}"))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Acme Evil &amp; Sons" in page
    assert "7 Secret Lane" not in page


def test_safe_highlight_allows_only_em() -> None:
    assert str(safe_highlight("<em>Acme</em> &amp; Co")) == "<em>Acme</em> &amp; Co"
    assert str(safe_highlight("<em>x</em><script>y</script>")) == (
        "<em>x</em>&lt;script&gt;y&lt;/script&gt;")
    assert str(safe_highlight("<em>open")) == "<em>open</em>"
    assert str(safe_highlight("</em>stray<b onclick=1>")) == "stray&lt;b onclick=1&gt;"

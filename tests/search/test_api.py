"""``GET /api/v1/search`` over the real app, on both backends."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from search.backend import encode_cursor

Client = AsyncTestClient[Litestar]


async def test_search_returns_ranked_entities_with_facets(search_client: Client) -> None:
    res = await search_client.get("/api/v1/search", params={"q": "acme constrution"})
    assert res.status_code == 200, res.text
    body = res.json()
    top = body["items"][0]
    assert top["entity"]["name"] in {"Acme Construction Limited", "ACME CONSTRUCTION LTD."}
    for item in body["items"]:
        assert {"id", "kind", "name", "dataset", "keys"} <= set(item["entity"])
        assert "restricted" not in item["entity"]
    assert "<em>" in top["highlights"]["names"][0]
    assert body["total"] >= 2
    assert set(body["facets"]) == {"kind", "country", "dataset"}
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)


async def test_cross_script_and_identifier_queries(search_client: Client) -> None:
    res = await search_client.get("/api/v1/search", params={"q": "Budivelna Kompaniya Dnipro"})
    names = [i["entity"]["name"] for i in res.json()["items"]]
    assert "ТОВ «Будівельна компанія Дніпро»" in names[:2]
    res = await search_client.get("/api/v1/search", params={"q": "GB-COH 1234567"})
    keys = {k for i in res.json()["items"][:2] for k in i["entity"]["keys"]}
    assert keys == {"GB-COH-01234567", "ocds-demo-0001/GB-COH-1234567"}


async def test_filters_and_pagination(search_client: Client) -> None:
    res = await search_client.get("/api/v1/search",
                                  params={"q": "muller", "kind": "person", "country": "de"})
    assert [i["entity"]["name"] for i in res.json()["items"]] == ["Hans Müller"]
    first = (await search_client.get("/api/v1/search", params={"q": "acme", "limit": 2})).json()
    assert len(first["items"]) == 2 and first["next"]
    second = (await search_client.get("/api/v1/search",
                                      params={"q": "acme", "limit": 2,
                                              "cursor": first["next"]})).json()
    assert not {i["entity"]["id"] for i in first["items"]} & {
        i["entity"]["id"] for i in second["items"]}


async def test_bad_requests_name_the_field(search_client: Client) -> None:
    for params, field in [({"q": "  "}, "q"), ({"q": "x" * 201}, "q"),
                          ({"q": "acme", "cursor": "not-a-cursor"}, "cursor"),
                          # well-formed, but no search could page from there: an id past
                          # the 64-bit range, a score that is not a number
                          ({"q": "acme", "cursor": encode_cursor(1.0, 2**70, 20)}, "cursor"),
                          ({"q": "acme", "cursor": encode_cursor(float("nan"), 1, 20)},
                           "cursor"),
                          ({"q": "acme", "limit": "0"}, "limit"),
                          ({"q": "acme", "kind": "ship"}, "kind")]:
        res = await search_client.get("/api/v1/search", params=params)
        assert res.status_code == 400, (params, res.text)
        assert res.headers["content-type"].startswith("application/problem+json")
        assert res.json()["field"] == field, (params, res.json())
    res = await search_client.get("/api/v1/search")
    assert res.status_code == 400 and res.json()["field"] == "q"

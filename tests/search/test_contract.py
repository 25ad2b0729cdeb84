"""One contract, both backends: what a journalist typing a half-remembered name must get."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from registry.entities.write import set_names
from registry.models import Entity
from search.backend import Candidate, CandidateQuery, IndexedBackend, SearchQuery, encode_cursor
from search.sync import drain

ACME = "GB-COH-01234567"  # Acme Construction Limited (BODS)
ACME_SUPPLIER = "ocds-demo-0001/GB-COH-1234567"  # ACME CONSTRUCTION LTD. (OCDS)
DNIPRO = "UA-EDR-34567890"  # ТОВ «Будівельна компанія Дніпро»
DNIPRO_SUPPLIER = "ocds-demo-0002/UA-EDR-34567890"
KOVALENKO = "person-kovalenko-1971"
MUELLER = "DE-CR-HRB-12345-B"
MUELLER_SUPPLIER = "ocds-demo-0003/mueller"
KYIV = "ocds-demo-0002/UA-EDR-04633423"


async def ids_for(backend: IndexedBackend, q: str, **filters: Any) -> list[int]:
    result = await backend.search(SearchQuery(q=q, limit=50, **filters))
    return [h.entity_id for h in result.hits]


async def test_typo_finds_the_company(backend: IndexedBackend, indexed_demo: dict[str, int]
                                      ) -> None:
    found = await ids_for(backend, "acme constrution")
    assert set(found[:2]) == {indexed_demo[ACME], indexed_demo[ACME_SUPPLIER]}


async def test_latin_query_finds_cyrillic_name(backend: IndexedBackend,
                                               indexed_demo: dict[str, int]) -> None:
    found = await ids_for(backend, "Budivelna Kompaniya Dnipro")
    assert indexed_demo[DNIPRO] in found[:2]
    assert indexed_demo[DNIPRO_SUPPLIER] in found[:3]
    found = await ids_for(backend, "Kyivska miska administratsiya")
    assert found[:1] == [indexed_demo[KYIV]]  # its only name is in Cyrillic


async def test_cyrillic_query_finds_latin_name(backend: IndexedBackend,
                                               indexed_demo: dict[str, int]) -> None:
    assert (await ids_for(backend, "Коваленко"))[:1] == [indexed_demo[KOVALENKO]]
    assert (await ids_for(backend, "Коваленко Олександр"))[:1] == [indexed_demo[KOVALENKO]]
    assert indexed_demo[MUELLER] in await ids_for(backend, "Мюллер Бау")


async def test_accents_do_not_matter(backend: IndexedBackend, indexed_demo: dict[str, int]
                                     ) -> None:
    found = await ids_for(backend, "Muller Bau")
    assert found[0] == indexed_demo[MUELLER]
    assert indexed_demo[MUELLER_SUPPLIER] in found
    maria = indexed_demo["person-maria-garcia-1975"]
    assert (await ids_for(backend, "maria garcia"))[:1] == [maria]


async def test_legal_forms_are_equivalent(backend: IndexedBackend, indexed_demo: dict[str, int]
                                          ) -> None:
    found = await ids_for(backend, "Acme Holdings Limited")
    assert set(found[:2]) == {indexed_demo["GB-COH-07654321"], indexed_demo["R000001/client/1"]}
    found = await ids_for(backend, "Muller Bau Gesellschaft mit beschränkter Haftung")
    assert found[0] == indexed_demo[MUELLER]


async def test_identifier_in_any_formatting(backend: IndexedBackend,
                                            indexed_demo: dict[str, int]) -> None:
    both = {indexed_demo[ACME], indexed_demo[ACME_SUPPLIER]}
    for q in ["GB-COH 1234567", "01234567", "1234567", "gb-coh-01234567", "GB-COH: 0123 4567"]:
        assert set((await ids_for(backend, q))[:2]) == both, q
    assert (await ids_for(backend, "UA-EDR 34567890"))[:2] != []


async def test_unrelated_query_finds_nothing(backend: IndexedBackend,
                                             indexed_demo: dict[str, int]) -> None:
    result = await backend.search(SearchQuery(q="Zyxwvut Qqqq"))
    assert result.hits == [] and result.total == 0


async def test_filters_and_facets(backend: IndexedBackend, indexed_demo: dict[str, int]) -> None:
    everything = await backend.search(SearchQuery(q="muller", limit=50))
    assert everything.facets["kind"].get("person", 0) >= 1
    assert everything.facets["kind"].get("company", 0) >= 1
    assert sum(everything.facets["kind"].values()) == everything.total
    assert sum(everything.facets["dataset"].values()) == everything.total
    persons = await backend.search(SearchQuery(q="muller", kind="person", limit=50))
    assert [h.entity_id for h in persons.hits] == [indexed_demo["person-hans-mueller-1960"]]
    assert persons.facets["kind"] == {"person": 1}
    ocds = await ids_for(backend, "acme construction", dataset="demo-ocds")
    assert ocds == [indexed_demo[ACME_SUPPLIER]]
    spanish = await ids_for(backend, "acme construction", country="es")
    assert not {indexed_demo[ACME], indexed_demo[ACME_SUPPLIER]} & set(spanish)


@pytest.mark.usefixtures("pages_by_keyset")
async def test_cursor_pages_through_ranked_results(backend: IndexedBackend,
                                                   indexed_demo: dict[str, int]) -> None:
    full = await backend.search(SearchQuery(q="acme", limit=50))
    assert full.total >= 4 and full.next is None
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = await backend.search(SearchQuery(q="acme", limit=2, cursor=cursor))
        assert page.total == full.total
        seen.extend(h.entity_id for h in page.hits)
        cursor = page.next
        if cursor is None:
            break
    assert seen == [h.entity_id for h in full.hits]


@pytest.mark.usefixtures("pages_by_keyset")
async def test_a_cursor_is_a_position_not_an_offset(backend: IndexedBackend,
                                                    indexed_demo: dict[str, int]) -> None:
    """A cursor pages on from its (score, id), whatever offset it carries. One past the
    10,000-hit result window (a deep page, or a cursor PostgreSQL issued while OpenSearch was
    down) used to be sent as ``from`` and refused by a real cluster (from + size > 10,000),
    which sent that search and the next ones to the fallback."""
    full = await backend.search(SearchQuery(q="acme", limit=50))
    assert full.served_by == backend.name and len(full.hits) >= 4
    first = full.hits[0]
    deep = encode_cursor(first.score, first.entity_id, 10_000)
    page = await backend.search(SearchQuery(q="acme", limit=50, cursor=deep))
    assert page.served_by == backend.name
    assert [h.entity_id for h in page.hits] == [h.entity_id for h in full.hits[1:]]
    assert (await backend.search(SearchQuery(q="acme"))).served_by == backend.name


async def test_highlights_mark_the_matched_words(backend: IndexedBackend,
                                                 indexed_demo: dict[str, int]) -> None:
    result = await backend.search(SearchQuery(q="Коваленко"))
    marked = result.hits[0].highlights["names"]
    assert "Oleksandr <em>Kovalenko</em>" in marked
    assert "Олександр <em>Коваленко</em>" in marked


async def test_candidates_for_linking(backend: IndexedBackend, indexed_demo: dict[str, int]
                                      ) -> None:
    found = await backend.candidates(CandidateQuery(
        name="ACME CONSTRUCTION LTD.", kind="company", country="GB",
        exclude_dataset="demo-ocds"))
    ids = [c.entity_id for c in found]
    assert ids[0] == indexed_demo[ACME]
    assert indexed_demo[ACME_SUPPLIER] not in ids
    assert all(isinstance(c, Candidate) and c.score > 0 for c in found)
    assert await backend.candidates(CandidateQuery(name="Acme Construction", kind="person")) == []
    found = await backend.candidates(CandidateQuery(name="TOV Budivelna kompaniia Dnipro",
                                                    exclude_dataset="demo-ocds", limit=1))
    assert [c.entity_id for c in found] == [indexed_demo[DNIPRO]]


async def test_changes_reach_the_index_through_the_outbox(
        backend: IndexedBackend, indexed_demo: dict[str, int],
        sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async with sessionmaker() as session, session.begin():
        entity = (await session.scalars(
            select(Entity).where(Entity.source_key == "official/delgado"))).one()
        entity.name = "Carmen Delgado Quintanilla"
        set_names(entity, entity.name, [("Karmen Delgado", "alternative")])
    await drain(sessionmaker, backend)
    assert (await ids_for(backend, "quintanila"))[:1] == [indexed_demo["official/delgado"]]
    assert (await ids_for(backend, "Кармен Дельгадо"))[:1] == [indexed_demo["official/delgado"]]

    async with sessionmaker() as session, session.begin():
        await session.execute(delete(Entity).where(Entity.source_key == "official/delgado"))
    await drain(sessionmaker, backend)
    assert indexed_demo["official/delgado"] not in await ids_for(backend, "Carmen Delgado")


async def test_a_distinctive_word_among_unknown_ones_still_answers(
        backend: IndexedBackend, indexed_demo: dict[str, int]) -> None:
    # Most words of the query are in no name (a description, a long legal form spelt out
    # in another language): the company whose rare words they share still comes back.
    found = await ids_for(backend, "Dnipro building works and road engineering services")
    assert indexed_demo[DNIPRO] in found[:5]
    found = await ids_for(backend, "Acme Constrution general contractors of the north east")
    assert indexed_demo[ACME] in found[:5]


async def test_legal_forms_spelt_out_in_other_languages(
        backend: IndexedBackend, indexed_demo: dict[str, int]) -> None:
    for q in ["Acme Holdings Limited Liability Company", "Acme Holdings Sociedad Limitada",
              "Acme Holdings spółka z ograniczoną odpowiedzialnością",
              "Acme Holdings Limited Liabilty Company"]:
        assert indexed_demo["GB-COH-07654321"] in (await ids_for(backend, q))[:3], q
    found = await ids_for(backend, "Tovarystvo z obmezhenoiu vidpovidalnistiu Budivelna "
                                   "kompaniia Dnipro")
    assert indexed_demo[DNIPRO] in found[:3]

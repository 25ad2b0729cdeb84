"""Blocking keys and the vocabulary that corrects a typo in a query's words (migrations 0010,
0014): the key stage must find a name whose only distinctive word is misspelt, without the
trigram index over every name."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from registry.entities.bulk import EntityRow, upsert_entities
from registry.models import Dataset
from search.backend import CandidateQuery
from search.blocking import candidates_many, key_hits_sql
from search.corrections import readings
from search.normalize import normalize_name


async def _write(session: AsyncSession, names: dict[str, str]) -> dict[str, int]:
    if await session.get(Dataset, "reg") is None:
        session.add(Dataset(name="reg"))
        await session.flush()
    result = await upsert_entities(session, "reg", None, [
        EntityRow(source_key=key, kind="company", name=name, statement_id=f"v-{name}",
                  country="ES") for key, name in names.items()])
    await session.commit()
    return dict(result.ids)


async def _query_keys(session: AsyncSession, query: str) -> set[str]:
    [found] = await readings(session, [normalize_name(query)])
    keys = await session.scalar(text("SELECT search_query_keys(:r)"), {"r": found})
    return set(keys or [])


async def test_a_misspelt_word_gets_the_keys_of_the_word_it_was_meant_to_be(
        session: AsyncSession) -> None:
    await _write(session, {"a": "Zamoranos Constructora S.L.", "b": "Riberas Consulting S.L."})
    keys = await _query_keys(session, "Zamornos constructora")
    assert "t:zamornos" in keys  # the word as typed is still a key
    assert "t:zamoranos" in keys  # and the known word nearest to it
    # A word that names do contain is left alone: no correction of a correct word.
    assert not any(k.startswith("t:riberas") for k in
                   await _query_keys(session, "constructora"))


async def test_a_word_near_nothing_is_not_corrected(session: AsyncSession) -> None:
    await _write(session, {"a": "Zamoranos Constructora S.L."})
    keys = await _query_keys(session, "Qwxyzpt Constructora")
    assert {k for k in keys if k.startswith("t:")} == {"t:qwxyzpt", "t:constructora"}


async def test_renamed_names_add_their_new_words(session: AsyncSession) -> None:
    await _write(session, {"a": "Zamoranos Constructora S.L."})
    await session.execute(text("UPDATE entity_names SET name = 'Ulloa Ingenieros', "
                               "normalized = 'ulloa ingenieros'"))
    await session.commit()
    words = set(await session.scalars(text("SELECT word FROM name_words")))
    assert {"zamoranos", "constructora", "ulloa", "ingenieros"} <= words


async def test_the_key_stage_alone_finds_a_name_with_a_typo_in_its_rare_word(
        session: AsyncSession) -> None:
    names = {f"n{i}": f"Constructora Iberica {w} S.L." for i, w in enumerate(
        ["Norte", "Sur", "Levante", "Poniente", "Centro"])}
    names["target"] = "Constructora Iberica Zamoranos S.L."
    ids = await _write(session, names)
    # cap=3: "constructora" and "iberica" are too frequent to block on, as legal forms and
    # trade words are in a large register; "zamoanos" lost a consonant, so its metaphone
    # differs too. Only the corrected word can find the target.
    [read] = await readings(session, [normalize_name("Constructora Iberica Zamoanos")])
    rows = await session.execute(
        text(key_hits_sql("search_query_keys(CAST(:r AS text[]))", cap=3)), {"r": read})
    assert [r.entity_id for r in rows] == [ids["target"]]
    [found] = await candidates_many(
        session, [CandidateQuery(name="Constructora Iberica Zamoanos", kind="company")],
        cap=3, min_similarity=0.3)
    assert found and found[0].entity_id == ids["target"]


async def test_a_word_only_the_probe_itself_has_is_still_corrected(
        session: AsyncSession) -> None:
    # Linking searches with names that are stored too: a supplier's misspelt word is in
    # one name, its own, and must still be read as the word the register has.
    await _write(session, {"reg": "Zamoranos Constructora S.L.",
                           "supplier": "Zamornos Constructora"})
    [read] = await readings(session, [normalize_name("Zamornos Constructora")])
    assert read[0] == "zamornos constructora"
    assert "zamoranos constructora" in read[1:]
    # A word that two names share is taken as written.
    await _write(session, {"other": "Zamornos Ingenieros"})
    [read] = await readings(session, [normalize_name("Zamornos Constructora")])
    assert read == ["zamornos constructora"]

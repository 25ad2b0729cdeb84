"""``registry import bods PATH...``: Beneficial Ownership Data Standard statements.

BODS 0.4 statements (and 0.2/0.3 ones from older publishers) are streamed from JSON arrays or
JSON Lines (``.gz``, ``.zip``, directories), checked against the official schema
(:mod:`importers.bods.schema`), mapped (:mod:`importers.bods.mapping`) and written in batches:
versions to ``record_versions`` (the idempotence key: a statement stored before is
"unchanged" and nothing else is written for it), entities and persons through
``upsert_entities``, relationship versions through ``registry.ownership.bulk``. Each batch is
one transaction together with the run's checkpoint, so a crash loses nothing and a re-run
resumes. A bad statement is skipped and reported with its position and reason. The names'
search keys are built on a second connection (:mod:`importers.core.name_keys`) and complete
when the import returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from importers.bods.mapping import (
    MappingError,
    map_statement,
    old_references,
    upgrade_statement,
)
from importers.bods.schema import check_statement, statement_version
from importers.core.batching import write_behind
from importers.core.name_keys import PendingKeysBuilder
from importers.core.ownership_writer import (
    ImportResult,
    ImportState,
    Mapped,
    encode_mapped,
    run_ownership_import,
    write_mapped,
)
from importers.core.record_versions import lookup_keys
from importers.core.runs import RunRecorder
from importers.core.sources import DEFAULT_ENCODING, Item
from registry.privacy import public_person_statement

DEFAULT_DATASET = "bods"
BATCH_SIZE = 5_000
MAPPING_ERRORS = (MappingError, KeyError, TypeError, AttributeError, ValueError)
NOT_A_PACKAGE = ("not a BODS package: expected a JSON array of statements or JSON Lines, "
                 "found a single JSON object")


Prepared = tuple[Item, str | None, Mapped | None]  # item, why it is refused, its rows


def prepare(items: Iterable[Item], recorder: RunRecorder) -> Iterator[Prepared]:
    """Check each statement and map the 0.4 ones (no database: this overlaps the writing
    of the previous batch). 0.2/0.3 statements are mapped later, since their record keys
    are looked up."""
    for item in items:
        if recorder.should_skip(item.path, item.index):
            continue
        reason = item.error
        if reason is None and item.position == "document":
            reason = NOT_A_PACKAGE
        if reason is None:
            reason = check_statement(item.value)
        mapped = None
        if reason is None and statement_version(item.value) == "0.4":
            try:
                mapped = encode_mapped(map_statement(item.value, item.index))
            except MAPPING_ERRORS as exc:
                reason = f"cannot map statement: {exc}"
        yield item, reason, mapped


async def write_batch(session: AsyncSession, state: ImportState, recorder: RunRecorder,
                      batch: list[tuple[Item, Mapped | None]]) -> None:
    """Map the 0.2/0.3 statements, then version and write the batch (not committed)."""
    olds = [item.value for item, m in batch if m is None]
    known: dict[str, str] = {}
    if olds:
        known = await lookup_keys(session, state.dataset,
                                  list({r for s in olds for r in old_references(s)}))
    local: dict[str, str] = {}

    def key_of(statement_id: str) -> str:
        return local.get(statement_id) or known.get(statement_id) or statement_id

    mapped: list[Mapped] = []
    for item, m in batch:
        if m is None:
            statement = item.value
            try:
                m = map_statement(upgrade_statement(statement, key_of), item.index,
                                  keep_details=True)
            except MAPPING_ERRORS as exc:
                recorder.skip(item.path, item.position, f"cannot map statement: {exc}")
                continue
            # History keeps what was published, less what is restricted.
            m.version.content = (public_person_statement(statement)[0]
                                 if m.entity is not None and m.entity.kind == "person"
                                 else statement)
            local[statement["statementID"]] = m.version.source_key
        mapped.append(m)
    await write_mapped(session, state, recorder, mapped)


async def import_items(session: AsyncSession, recorder: RunRecorder, dataset: str,
                       items: Iterable[Item], batch_size: int = BATCH_SIZE) -> ImportState:
    state = ImportState(dataset=dataset, run_id=recorder.id)
    engine = session.bind
    assert isinstance(engine, AsyncEngine)

    async def write(chunk: list[Prepared]) -> None:
        batch: list[tuple[Item, Mapped | None]] = []
        for item, reason, mapped in chunk:
            if reason is not None:
                recorder.skip(item.path, item.position, reason)
            else:
                batch.append((item, mapped))
        await write_batch(session, state, recorder, batch)
        for item, _, _ in chunk:
            recorder.mark(item.path, item.index)
        await recorder.checkpoint(session)
        await keys.poke()

    # The next batch is parsed, checked and mapped while the database writes this one, and
    # the names of the batches committed get their search keys on a second connection.
    async with PendingKeysBuilder(engine) as keys:
        state.name_keys = keys
        await write_behind(prepare(items, recorder), batch_size, write)
    return state


async def import_bods(database_url: str, paths: list[str], dataset: str = DEFAULT_DATASET,
                      *, batch_size: int = BATCH_SIZE, resume: bool = True,
                      encoding: str = DEFAULT_ENCODING) -> ImportResult:
    """Import BODS files into ``dataset``."""
    return await run_ownership_import(
        database_url, paths, dataset, source="bods", title="Beneficial ownership (BODS)",
        import_items=import_items, batch_size=batch_size, resume=resume,
        encoding=encoding)

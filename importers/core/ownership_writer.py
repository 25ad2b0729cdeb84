"""Writing mapped ownership records (entities, persons, relationship versions) for any
source: versions first (the idempotence key), then only what is new."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from importers.core.gc_tuning import batch_gc
from importers.core.name_keys import DEFER, PendingKeysBuilder
from importers.core.record_versions import (
    VersionRow,
    commit_lazily,
    encode_version,
    lock_dataset,
    store_all_versions,
    store_versions,
)
from importers.core.runs import RunRecorder, Summary, run_import
from importers.core.sources import DEFAULT_ENCODING, Item, iter_items
from registry.entities.bulk import EntityRow, encode_entity, upsert_entities
from registry.links.identifier_join import join_by_identifier
from registry.ownership.bulk import (
    RelationshipRow,
    encode_relationship,
    resolve_parties,
    write_relationships,
)


@dataclass(slots=True)
class Mapped:
    """One source record's rows, as every ownership adapter (BODS, PSC, company registers)
    maps it: its version, and the entity or relationship it describes."""

    version: VersionRow
    entity: EntityRow | None = None
    relationship: RelationshipRow | None = None
    weak: bool = False  # a placeholder entity: written only if its key is not there yet


@dataclass
class ImportState:
    dataset: str
    run_id: int
    dangling: int = 0  # relationship rows naming a record not imported (yet)
    # Copy each batch's versions without looking for stored ones first, until one is found.
    optimistic: bool = True
    # Builds the keys of the names, which the batches then only queue.
    name_keys: PendingKeysBuilder | None = None
    notes: list[str] = field(default_factory=list)  # for the summary (a source's own totals)


@dataclass
class ImportResult:
    summary: Summary
    dangling: int  # relationship versions naming a record that is not in the dataset (yet)
    notes: list[str] = field(default_factory=list)

    @property
    def run_id(self) -> int | None:
        return self.summary.run_id

    def render(self) -> str:
        text = self.summary.render()
        for note in self.notes:
            text += f"\n  {note}"
        if self.dangling:
            text += (f"\n  note: {self.dangling:,} relationship versions name a record not "
                     "imported (yet); they are linked when it is")
        return text


ItemImporter = Callable[[AsyncSession, RunRecorder, str, Iterable[Item], int],
                        Awaitable[ImportState]]


async def run_ownership_import(database_url: str, paths: list[str], dataset: str, *,
                               source: str, title: str, import_items: ItemImporter,
                               batch_size: int, resume: bool,
                               encoding: str = DEFAULT_ENCODING) -> ImportResult:
    """One import run of ownership files (BODS or PSC): the items streamed through
    ``import_items`` with the collector out of the way, and the run's summary."""
    state: dict[str, ImportState] = {}

    async def body(session: AsyncSession, recorder: RunRecorder) -> None:
        with batch_gc():
            items = iter_items(paths, encoding=encoding)
            state["s"] = await import_items(session, recorder, dataset, items, batch_size)

    summary = await run_import(database_url, dataset=dataset, source=source, paths=paths,
                               body=body, resume=resume, title=title)
    return ImportResult(summary, state["s"].dangling if "s" in state else 0,
                        state["s"].notes if "s" in state else [])


def encode_mapped(m: Mapped) -> Mapped:
    """Do the Python side of writing (JSON encoding, name normalisation) ahead, while the
    database is busy with the previous batch; the writer then only adds ids."""
    encode_version(m.version)
    if m.entity is not None:
        encode_entity(m.entity)
    if m.relationship is not None:
        encode_relationship(m.relationship)
    return m


async def write_mapped(session: AsyncSession, state: ImportState, recorder: RunRecorder,
                       mapped: list[Mapped]) -> None:
    """Store the versions; write entities and relationships for the new ones only; count
    imported (new record), updated (new version of a known record) and unchanged."""
    summary = recorder.summary
    await commit_lazily(session)
    if state.name_keys is not None:
        await session.execute(DEFER)
    await lock_dataset(session, state.dataset)
    versions = [m.version for m in mapped]
    new = None
    if state.optimistic:
        new = await store_all_versions(session, state.dataset, state.run_id, versions)
        # A version stored before: this input overlaps what is there, so look before
        # copying for the rest of the run.
        state.optimistic = new is not None
    if new is None:
        new = await store_versions(session, state.dataset, state.run_id, versions)
    fresh = {(v.record_type, v.version_key) for v in new}
    unchanged = {(m.version.record_type, m.version.version_key) for m in mapped} - fresh
    summary.unchanged += len(unchanged)
    seen_records: set[tuple[str, str]] = set()
    for v in new:
        record = (v.record_type, v.source_key)
        if v.record_known or record in seen_records:
            summary.updated += 1
        else:
            summary.imported += 1
        seen_records.add(record)

    todo = [m for m in mapped if (m.version.record_type, m.version.version_key) in fresh]
    entities: list[EntityRow] = [m.entity for m in todo if m.entity is not None and not m.weak]
    weak = {m.entity.source_key: m.entity for m in todo if m.entity is not None and m.weak}
    if weak:
        # A placeholder (e.g. a company known only by its number) never replaces a record
        # that describes the same key.
        strong = {e.source_key for e in entities}
        existing = await session.execute(
            text("SELECT source_key FROM entities WHERE dataset = :d AND source_key = ANY(:k)"),
            {"d": state.dataset, "k": list(weak)})
        strong.update(r.source_key for r in existing)
        entities += [e for k, e in weak.items() if k not in strong]
    # upsert_entities keeps the last row per key: let that be the latest version.
    entities.sort(key=lambda e: (e.valid_from is not None, e.valid_from or 0))
    ids: dict[str, int] = {}
    if entities:
        settle = state.name_keys.settle if state.name_keys is not None else None
        written = await upsert_entities(session, state.dataset, state.run_id, entities,
                                        before_replacing=settle)
        ids = written.ids
        # The same registration in another dataset (register, PSC, BODS) is the same
        # party, whichever was imported first.
        with_ids = {e.source_key for e in entities if e.identifiers}
        await join_by_identifier(session, [ids[k] for k in (written.inserted | written.updated)
                                           if k in with_ids])
    relationships: list[RelationshipRow] = [m.relationship for m in todo
                                            if m.relationship is not None]
    if relationships:
        new_keys = {v.source_key for v in new
                    if v.record_type == "relationship" and not v.record_known}
        await write_relationships(session, state.dataset, state.run_id, relationships, ids,
                                  new_keys)
    if state.dangling or relationships:
        # Cheap (partial indexes): fills in parties named before they were imported.
        state.dangling = await resolve_parties(session, state.dataset)

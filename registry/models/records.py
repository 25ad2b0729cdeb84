"""Provenance: datasets, import runs, their errors, and every version of every record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, created_at, json_list, json_object, pk, text_default


class Dataset(Base):
    """A source of records: ``bods-gb-psc``, ``ocds-prozorro``, ``register``..."""

    __tablename__ = "datasets"
    name: Mapped[str] = mapped_column(Text, primary_key=True)
    title: Mapped[str] = text_default()
    source: Mapped[str] = text_default()  # bods, psc, ocds, register, ...
    licence: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at()


class ImportRun(Base):
    """One run of an importer; ``checkpoint`` lets a crashed run resume where it stopped."""

    __tablename__ = "import_runs"
    id: Mapped[int] = pk()
    dataset: Mapped[str] = mapped_column(ForeignKey("datasets.name"), index=True)
    source: Mapped[str] = mapped_column(Text)
    paths: Mapped[list[Any]] = json_list()
    status: Mapped[str] = text_default("running")  # running|completed|failed
    started_at: Mapped[dt.datetime] = created_at()
    finished_at: Mapped[dt.datetime | None]
    counts: Mapped[dict[str, Any]] = json_object()
    checkpoint: Mapped[dict[str, Any]] = json_object()


class ImportError_(Base):
    """A skipped input record: where it was and why."""

    __tablename__ = "import_errors"
    id: Mapped[int] = pk()
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id", ondelete="CASCADE"),
                                        index=True)
    path: Mapped[str] = mapped_column(Text)
    position: Mapped[str] = mapped_column(Text)  # "line 12", "item 3", ...
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at()


class RecordVersion(Base):
    """Every version of a record as the source published it (a BODS statement, an OCDS
    release, a PSC line, a register version); the current tables hold the latest."""

    __tablename__ = "record_versions"
    __table_args__ = (
        UniqueConstraint("dataset", "record_type", "version_key"),
        Index(None, "dataset", "record_type", "source_key", "valid_from"),
    )
    id: Mapped[int] = pk()
    # Provenance without foreign keys (migration 0007; entities and relationships likewise):
    # writers create the dataset and the run before their first row, nothing deletes them,
    # and the per-row checks cost a third of a bulk import's database time.
    dataset: Mapped[str] = mapped_column(Text)
    record_type: Mapped[str] = mapped_column(Text)  # entity, person, relationship, release...
    source_key: Mapped[str] = mapped_column(Text)  # recordId, ocid, ...
    version_key: Mapped[str] = mapped_column(Text)  # statementId, release id, content hash
    status: Mapped[str | None] = mapped_column(Text)  # new, updated, closed
    valid_from: Mapped[dt.datetime | None]
    content: Mapped[dict[str, Any]] = json_object()
    import_run_id: Mapped[int | None] = mapped_column(BigInteger)
    # Order within the source file.
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = created_at()

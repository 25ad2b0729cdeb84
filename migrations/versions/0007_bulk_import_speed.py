"""bulk import speed: no per-row foreign key checks on provenance columns

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-23 12:00:00

``dataset`` and ``import_run_id`` on ``record_versions`` (the append-only history of what
sources published), ``entities`` and ``relationships`` are provenance: written by importers
and services that create the dataset (``RunRecorder.start``, the registrants' publisher)
and the run before their first row; nothing deletes datasets or runs. Their foreign keys
guarded nothing else, yet each cost a trigger event and a lookup (and lock) of the parent
row for every row copied in: with them, ``record_versions`` took twice the server time to
load, ``entities`` 1.6 times (``bench/bods_import.py``). The foreign keys between entities,
relationships and their children stay.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('record_versions', 'entities', 'relationships')


def upgrade() -> None:
    for table in TABLES:
        op.drop_constraint(f'fk_{table}_dataset_datasets', table, type_='foreignkey')
        op.drop_constraint(f'fk_{table}_import_run_id_import_runs', table, type_='foreignkey')


def downgrade() -> None:
    for table in TABLES:
        op.execute(f"UPDATE {table} SET import_run_id = NULL WHERE import_run_id NOT IN "
                   "(SELECT id FROM import_runs)")
        op.execute(f"INSERT INTO datasets (name) SELECT DISTINCT dataset FROM {table} "
                   "ON CONFLICT (name) DO NOTHING")
        op.create_foreign_key(f'fk_{table}_import_run_id_import_runs', table, 'import_runs',
                              ['import_run_id'], ['id'], ondelete='SET NULL')
        op.create_foreign_key(f'fk_{table}_dataset_datasets', table, 'datasets',
                              ['dataset'], ['name'])

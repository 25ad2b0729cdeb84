"""bulk import speed: no per-row foreign key checks on record_versions

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-23 12:00:00

``record_versions`` is the append-only history of what sources published. Its ``dataset``
and ``import_run_id`` columns are provenance written only by importers, which create the
dataset and the run before the first batch; datasets and runs are never deleted. The two
foreign keys guarded nothing else, yet cost a trigger event and a lookup of the parent row
for every version stored: about a quarter of the server time of a bulk import
(``bench/bods_import.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint('fk_record_versions_dataset_datasets', 'record_versions',
                       type_='foreignkey')
    op.drop_constraint('fk_record_versions_import_run_id_import_runs', 'record_versions',
                       type_='foreignkey')


def downgrade() -> None:
    op.execute("UPDATE record_versions SET import_run_id = NULL WHERE import_run_id NOT IN "
               "(SELECT id FROM import_runs)")
    op.create_foreign_key('fk_record_versions_import_run_id_import_runs', 'record_versions',
                          'import_runs', ['import_run_id'], ['id'], ondelete='SET NULL')
    op.create_foreign_key('fk_record_versions_dataset_datasets', 'record_versions',
                          'datasets', ['dataset'], ['name'])

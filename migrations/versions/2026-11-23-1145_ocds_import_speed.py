"""ocds import speed: no provenance FKs on contracts, a cheaper name-keys insert trigger

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 11:45:00

- ``contracts.dataset`` and ``contracts.import_run_id`` are provenance, as on the tables of
  migration 0007: importers and services create the dataset and the run before their first
  row and nothing deletes them. Their foreign keys guarded nothing else, yet cost two
  trigger events and two parent-row lookups (with a key-share lock) for every contract
  copied in. The foreign keys between contracts, their children and entities stay.
- ``entity_name_keys_insert()``, the largest server-side cost of an import with names
  (about 70% of the time of a ``COPY`` into ``entity_names``), does less for the same keys:
  ``search_name_keys`` runs once per distinct normalised name of the statement, not once
  per row (names repeat: the same buyer in every process, a party's name and legal name),
  and ``ON CONFLICT DO NOTHING`` (a speculative insertion per key) is dropped: a new name's
  id is new, the delete trigger removes the keys of a deleted name, and
  ``search_name_keys`` returns each key once, so there is never a conflict.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEYS_INSERT = r"""
CREATE OR REPLACE FUNCTION entity_name_keys_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    WITH distinct_names AS MATERIALIZED (
        SELECT u.normalized, search_name_keys(u.normalized) AS keys
        FROM (SELECT DISTINCT normalized FROM new_names) AS u
    )
    SELECT k.key, n.id, n.entity_id
    FROM new_names n JOIN distinct_names d ON d.normalized = n.normalized
         CROSS JOIN LATERAL unnest(d.keys) AS k(key);
    RETURN NULL;
END $$
"""
# As migration 0010 wrote it.
KEYS_INSERT_0010 = r"""
CREATE OR REPLACE FUNCTION entity_name_keys_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO entity_name_keys (key, name_id, entity_id)
    SELECT k.key, n.id, n.entity_id
    FROM new_names n CROSS JOIN LATERAL unnest(search_name_keys(n.normalized)) AS k(key)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.drop_constraint('fk_contracts_dataset_datasets', 'contracts', type_='foreignkey')
    op.drop_constraint('fk_contracts_import_run_id_import_runs', 'contracts',
                       type_='foreignkey')
    op.execute(KEYS_INSERT)


def downgrade() -> None:
    op.execute(KEYS_INSERT_0010)
    op.execute("UPDATE contracts SET import_run_id = NULL WHERE import_run_id NOT IN "
               "(SELECT id FROM import_runs)")
    op.execute("INSERT INTO datasets (name) SELECT DISTINCT dataset FROM contracts "
               "ON CONFLICT (name) DO NOTHING")
    op.create_foreign_key('fk_contracts_import_run_id_import_runs', 'contracts', 'import_runs',
                          ['import_run_id'], ['id'], ondelete='SET NULL')
    op.create_foreign_key('fk_contracts_dataset_datasets', 'contracts', 'datasets',
                          ['dataset'], ['name'])

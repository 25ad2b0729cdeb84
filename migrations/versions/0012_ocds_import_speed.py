"""ocds import speed: statement-level references on the contract tables, a cheaper
name-keys insert trigger

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 11:45:00

- ``contracts.dataset`` and ``contracts.import_run_id`` are provenance, as on the tables of
  migration 0007: importers and services create the dataset and the run before their first
  row and nothing deletes them. Their foreign keys guarded nothing else, yet cost two
  trigger events and two parent-row lookups (with a key-share lock) for every contract
  copied in.
- The references of the contract tables (to their contract, award and entities) are kept
  by statement-level triggers instead of foreign keys: a foreign key checks every row
  inserted with a query of its own and a key-share lock of the parent row, which made
  about two thirds of the cost of writing ``contract_parties`` and a third of all the
  server's work in an OCDS import (1.2 million checks for 200,000 releases). The triggers
  do the same per statement: the parents of all the rows a statement inserts or updates
  are locked (``FOR KEY SHARE``, as a foreign key does) and checked in one query each, and
  a row that refers to no parent fails the statement with ``foreign_key_violation``;
  deleting parents deletes the rows that refer to them (``ON DELETE CASCADE``), or clears
  ``contracts.buyer_id`` (``ON DELETE SET NULL``), in the same statement. Not covered: a
  change of a parent's id (ids are identity keys, never updated) and ``TRUNCATE`` of a
  parent alone. The references of other tables (names, identifiers, relationships, ...)
  are unchanged.
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

# (child table, column, parent table, on delete): the references kept by triggers.
REFERENCES = [
    ("contracts", "buyer_id", "entities", "set null"),
    ("contract_parties", "contract_id", "contracts", "cascade"),
    ("contract_parties", "entity_id", "entities", "cascade"),
    ("awards", "contract_id", "contracts", "cascade"),
    ("award_suppliers", "award_id", "awards", "cascade"),
    ("award_suppliers", "entity_id", "entities", "cascade"),
    ("contract_agreements", "contract_id", "contracts", "cascade"),
]

# Arguments: pairs of (column, parent table). Parents are locked as a foreign key locks
# them, then rows without a parent are looked for: one query each per statement.
CHECK = r"""
CREATE OR REPLACE FUNCTION statement_references_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    FOR i IN 0 .. TG_NARGS - 1 BY 2 LOOP
        EXECUTE format('SELECT 1 FROM %2$I p WHERE p.id IN (SELECT n.%1$I FROM new_rows n) '
                       'FOR KEY SHARE OF p', TG_ARGV[i], TG_ARGV[i + 1]);
        EXECUTE format('SELECT n.%1$I FROM new_rows n WHERE n.%1$I IS NOT NULL AND NOT EXISTS '
                       '(SELECT 1 FROM %2$I p WHERE p.id = n.%1$I) LIMIT 1',
                       TG_ARGV[i], TG_ARGV[i + 1]) INTO missing;
        IF missing IS NOT NULL THEN
            RAISE foreign_key_violation USING
                MESSAGE = format('insert or update on table "%s" violates its reference to '
                                 '"%s": %s = %s is not present', TG_TABLE_NAME,
                                 TG_ARGV[i + 1], TG_ARGV[i], missing),
                TABLE = TG_TABLE_NAME, COLUMN = TG_ARGV[i];
        END IF;
    END LOOP;
    RETURN NULL;
END $$
"""
# Arguments: triples of (child table, column, 'cascade' or 'set null').
ON_DELETE = r"""
CREATE OR REPLACE FUNCTION statement_references_on_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    FOR i IN 0 .. TG_NARGS - 1 BY 3 LOOP
        IF TG_ARGV[i + 2] = 'cascade' THEN
            EXECUTE format('DELETE FROM %1$I c WHERE c.%2$I IN (SELECT o.id FROM old_rows o)',
                           TG_ARGV[i], TG_ARGV[i + 1]);
        ELSE
            EXECUTE format('UPDATE %1$I c SET %2$I = NULL '
                           'WHERE c.%2$I IN (SELECT o.id FROM old_rows o)',
                           TG_ARGV[i], TG_ARGV[i + 1]);
        END IF;
    END LOOP;
    RETURN NULL;
END $$
"""


def _quoted(args: list[str]) -> str:
    return ", ".join(f"'{a}'" for a in args)


def _create_triggers() -> None:
    children: dict[str, list[str]] = {}
    parents: dict[str, list[str]] = {}
    for child, column, parent, action in REFERENCES:
        children.setdefault(child, []).extend([column, parent])
        parents.setdefault(parent, []).extend([child, column, action])
    for child, args in children.items():
        for event in ("INSERT", "UPDATE"):
            op.execute(f"CREATE TRIGGER references_check_{event.lower()} AFTER {event} ON {child} "
                       "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION statement_references_check({_quoted(args)})")
    for parent, args in parents.items():
        op.execute(f"CREATE TRIGGER references_on_delete AFTER DELETE ON {parent} "
                   "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
                   f"EXECUTE FUNCTION statement_references_on_delete({_quoted(args)})")


def upgrade() -> None:
    for child, column, parent, _ in REFERENCES:
        op.drop_constraint(f'fk_{child}_{column}_{parent}', child, type_='foreignkey')
    op.execute(CHECK)
    op.execute(ON_DELETE)
    _create_triggers()
    op.drop_constraint('fk_contracts_dataset_datasets', 'contracts', type_='foreignkey')
    op.drop_constraint('fk_contracts_import_run_id_import_runs', 'contracts',
                       type_='foreignkey')
    op.execute(KEYS_INSERT)


def downgrade() -> None:
    for table in {t for child, _, parent, _ in REFERENCES for t in (child, parent)}:
        for name in ("references_check_insert", "references_check_update",
                     "references_on_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    op.execute("DROP FUNCTION statement_references_check()")
    op.execute("DROP FUNCTION statement_references_on_delete()")
    for child, column, parent, action in REFERENCES:
        op.create_foreign_key(f'fk_{child}_{column}_{parent}', child, parent, [column], ['id'],
                              ondelete=action.upper())
    op.execute(KEYS_INSERT_0010)
    op.execute("UPDATE contracts SET import_run_id = NULL WHERE import_run_id NOT IN "
               "(SELECT id FROM import_runs)")
    op.execute("INSERT INTO datasets (name) SELECT DISTINCT dataset FROM contracts "
               "ON CONFLICT (name) DO NOTHING")
    op.create_foreign_key('fk_contracts_import_run_id_import_runs', 'contracts', 'import_runs',
                          ['import_run_id'], ['id'], ondelete='SET NULL')
    op.create_foreign_key('fk_contracts_dataset_datasets', 'contracts', 'datasets',
                          ['dataset'], ['name'])

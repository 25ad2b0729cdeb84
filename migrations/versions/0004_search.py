"""search: outbox triggers, identifier search key

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 10:00:00.000000

Every write to entities, entity_names or entity_identifiers (insert, update, delete; ORM or
bulk COPY) puts the changed entity ids into ``search_outbox`` in the same transaction, by
statement-level triggers over transition tables: no writer can forget it, and one statement
costs one INSERT ... SELECT however many rows it touched. A second row for an entity that
this transaction already queued is skipped (rows queued by the transaction itself are
invisible to the sync worker until commit, so skipping them can never lose a change).

``search_identifier_key(scheme, value)`` is the scheme-free form an identifier is searched
by (mirrored in ``search/idkey.py``): the scheme prefix when the value repeats it, bracketed
remarks, everything but A-Z and 0-9, and leading zeros are dropped, so ``GB-COH 01234567``,
``01234567`` and ``1234567`` meet.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IDENTIFIER_KEY = r"""
CREATE OR REPLACE FUNCTION search_identifier_key(scheme text, value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ltrim(
        regexp_replace(
            upper(regexp_replace(
                CASE WHEN scheme <> '' AND left(upper(value), length(scheme)) = upper(scheme)
                     THEN substr(value, length(scheme) + 1) ELSE value END,
                '\([^)]*\)', '', 'g')),
            '[^A-Z0-9]', '', 'g'),
        '0')
$$
"""

# One function per key column; the transition table is always called ``changed``.
ENQUEUE = """
CREATE OR REPLACE FUNCTION search_outbox_enqueue_{name}() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    this_xid bigint := txid_current() % 4294967296;
BEGIN
    INSERT INTO search_outbox (entity_id)
    SELECT DISTINCT c.{column} FROM changed c
    WHERE NOT EXISTS (
        SELECT 1 FROM search_outbox o
        WHERE o.entity_id = c.{column} AND o.xmin::text::bigint = this_xid);
    RETURN NULL;
END
$$
"""

TRIGGERS = [
    # (table, function, event, transition table)
    ("entities", "entities", "INSERT", "NEW"),
    ("entities", "entities", "UPDATE", "NEW"),
    ("entities", "entities", "DELETE", "OLD"),
    ("entity_names", "children", "INSERT", "NEW"),
    ("entity_names", "children", "UPDATE", "NEW"),
    ("entity_names", "children", "DELETE", "OLD"),
    ("entity_identifiers", "children", "INSERT", "NEW"),
    ("entity_identifiers", "children", "UPDATE", "NEW"),
    ("entity_identifiers", "children", "DELETE", "OLD"),
]


def _trigger_name(table: str, event: str) -> str:
    return f"search_outbox_{table}_{event.lower()}"


def upgrade() -> None:
    op.execute(IDENTIFIER_KEY)
    op.execute('CREATE INDEX ix_entity_identifiers_search_key ON entity_identifiers '
               '(search_identifier_key(scheme, value))')
    op.execute(ENQUEUE.format(name="entities", column="id"))
    op.execute(ENQUEUE.format(name="children", column="entity_id"))
    for table, function, event, transition in TRIGGERS:
        op.execute(
            f'CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} '
            f'REFERENCING {transition} TABLE AS changed FOR EACH STATEMENT '
            f'EXECUTE FUNCTION search_outbox_enqueue_{function}()')


def downgrade() -> None:
    for table, _, event, _ in TRIGGERS:
        op.execute(f'DROP TRIGGER IF EXISTS {_trigger_name(table, event)} ON {table}')
    op.execute('DROP FUNCTION IF EXISTS search_outbox_enqueue_entities()')
    op.execute('DROP FUNCTION IF EXISTS search_outbox_enqueue_children()')
    op.execute('DROP INDEX IF EXISTS ix_entity_identifiers_search_key')
    op.execute('DROP FUNCTION IF EXISTS search_identifier_key(text, text)')

"""outbox for bulk writes: new entities queued without a probe, their children not again

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 17:00:00.000000

The outbox triggers (0004) were a tenth of the server's time in a BODS import at 1M
statements (``bench/bods_import.py --statements``): each statement probed the outbox once
per row for a row of its own transaction.

- **New entities** are queued without that probe. A new entity's id comes from the
  sequence, and its names and identifiers cannot be written before it (foreign keys), so
  no row of this transaction can name it yet. Updates and deletes keep the probe.
- **Names and identifiers that a bulk writer replaces** are not queued again. The bulk
  writer (``registry/entities/bulk.py``) replaces the children of exactly the entities it
  has just inserted or updated, whose own trigger has queued them, and it says so with the
  transaction-local setting ``registry.entities_queued``. Every other write of a child
  (the ORM, a delete, a writer without the setting) is queued as before.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0018'
down_revision: str | Sequence[str] | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_ENTITIES = """
CREATE OR REPLACE FUNCTION search_outbox_enqueue_new_entities() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_outbox (entity_id) SELECT c.id FROM changed c;
    RETURN NULL;
END
$$
"""

# 0004's function for the child tables, with the bulk writer's way out first.
CHILDREN = """
CREATE OR REPLACE FUNCTION search_outbox_enqueue_children() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    this_xid bigint := txid_current() % 4294967296;
BEGIN
    IF current_setting('registry.entities_queued', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO search_outbox (entity_id)
    SELECT DISTINCT c.entity_id FROM changed c
    WHERE NOT EXISTS (
        SELECT 1 FROM search_outbox o
        WHERE o.entity_id = c.entity_id AND o.xmin::text::bigint = this_xid);
    RETURN NULL;
END
$$
"""

PREVIOUS_CHILDREN = CHILDREN.replace("""    IF current_setting('registry.entities_queued', true) = 'on' THEN
        RETURN NULL;
    END IF;
""", "")


def _entities_insert_trigger(function: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS search_outbox_entities_insert ON entities")
    op.execute("CREATE TRIGGER search_outbox_entities_insert AFTER INSERT ON entities "
               "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT "
               f"EXECUTE FUNCTION {function}()")


def upgrade() -> None:
    op.execute(NEW_ENTITIES)
    _entities_insert_trigger("search_outbox_enqueue_new_entities")
    op.execute(CHILDREN)


def downgrade() -> None:
    op.execute(PREVIOUS_CHILDREN)
    _entities_insert_trigger("search_outbox_enqueue_entities")
    op.execute("DROP FUNCTION IF EXISTS search_outbox_enqueue_new_entities()")

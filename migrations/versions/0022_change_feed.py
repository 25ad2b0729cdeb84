"""changes: the public change feed, filled by statement-level triggers

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-04 21:10:00.000000

Every write to a public object adds one row per object to ``changes`` in the same
transaction, like the search outbox (0004, 0018) but kept: the feed
(``GET /api/v1/changes``) reads it, nothing claims it. A row names the object (type, id,
dataset, source key) and the transaction that wrote it (``xid``, ``pg_current_xact_id()``),
never its content: readers fetch the public view, so restricted fields and drafts cannot
leak through the feed.

- Objects: ``entity`` (entities, and their names and identifiers), ``relationship``
  (relationships and their interests), ``contract`` (a compiled process: its parties,
  awards and agreements are rewritten with its row), ``registrant`` (only published ones,
  and only when the published version, status, number or entity changes: editing a draft
  rewrites ``registrants.name``, which must not announce the draft), ``meeting`` (not those
  of an unpublished registrant), ``link`` (only when the status is or was public:
  ``auto`` or ``confirmed``). Lobbyists and clients are written when a version is approved,
  which changes the registrant's ``published_version``.
- A child whose parent is gone (a cascade) is not recorded: the parent's delete is.
- The bulk entity writer's children (``registry.entities_queued``, 0018) are skipped here
  as in the outbox: their entities were recorded by the same statement that wrote them.
- Order: see ``registry/changes/feed.py`` (by transaction id, read only below the oldest
  running transaction).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0022'
down_revision: str | Sequence[str] | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = """
CREATE TABLE changes (
    id bigserial PRIMARY KEY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    object_type text NOT NULL,
    object_id bigint NOT NULL,
    dataset text,
    source_key text,
    changed_at timestamptz NOT NULL DEFAULT now()
)
"""

# name → body; each function reads the transition table ``changed`` (and ``before`` on
# updates that must compare or see the old row).
FUNCTIONS = {
    "entities": """
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'entity', c.id, c.dataset, c.source_key FROM changed c;""",
    "entity_children": """
    IF current_setting('registry.entities_queued', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'entity', c.entity_id, e.dataset, e.source_key
    FROM (SELECT DISTINCT entity_id FROM changed) c JOIN entities e ON e.id = c.entity_id;""",
    "relationships": """
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'relationship', c.id, c.dataset, c.source_key FROM changed c;""",
    "interests": """
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'relationship', c.relationship_id, r.dataset, r.source_key
    FROM (SELECT DISTINCT relationship_id FROM changed) c
    JOIN relationships r ON r.id = c.relationship_id;""",
    "contracts": """
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'contract', c.id, c.dataset, c.ocid FROM changed c;""",
    "registrants": """
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'registrant', c.id, NULL, c.registration_number FROM changed c
    WHERE c.published_version IS NOT NULL;""",
    "registrants_update": """
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'registrant', n.id, NULL, n.registration_number
    FROM changed n JOIN before o ON o.id = n.id
    WHERE (n.published_version IS NOT NULL OR o.published_version IS NOT NULL)
      AND (n.published_version, n.status, n.registration_number, n.entity_id)
          IS DISTINCT FROM (o.published_version, o.status, o.registration_number,
                            o.entity_id);""",
    "meetings": """
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'meeting', c.id, c.dataset, c.source_key FROM changed c
    LEFT JOIN registrants r ON r.id = c.registrant_id
    WHERE c.registrant_id IS NULL OR r.published_version IS NOT NULL;""",
    "links": """
    INSERT INTO changes (object_type, object_id)
    SELECT 'link', c.id FROM changed c WHERE c.status IN ('auto', 'confirmed');""",
    "links_update": """
    INSERT INTO changes (object_type, object_id)
    SELECT 'link', n.id FROM changed n JOIN before o ON o.id = n.id
    WHERE (n.status IN ('auto', 'confirmed') OR o.status IN ('auto', 'confirmed'))
      AND (n.*) IS DISTINCT FROM (o.*);""",
}

# (table, event, function)
TRIGGERS = [
    ("entities", "INSERT", "entities"), ("entities", "UPDATE", "entities"),
    ("entities", "DELETE", "entities"),
    ("entity_names", "INSERT", "entity_children"), ("entity_names", "UPDATE", "entity_children"),
    ("entity_names", "DELETE", "entity_children"),
    ("entity_identifiers", "INSERT", "entity_children"),
    ("entity_identifiers", "UPDATE", "entity_children"),
    ("entity_identifiers", "DELETE", "entity_children"),
    ("relationships", "INSERT", "relationships"), ("relationships", "UPDATE", "relationships"),
    ("relationships", "DELETE", "relationships"),
    ("interests", "INSERT", "interests"), ("interests", "UPDATE", "interests"),
    ("interests", "DELETE", "interests"),
    ("contracts", "INSERT", "contracts"), ("contracts", "UPDATE", "contracts"),
    ("contracts", "DELETE", "contracts"),
    ("registrants", "INSERT", "registrants"), ("registrants", "UPDATE", "registrants_update"),
    ("registrants", "DELETE", "registrants"),
    ("meetings", "INSERT", "meetings"), ("meetings", "UPDATE", "meetings"),
    ("meetings", "DELETE", "meetings"),
    ("links", "INSERT", "links"), ("links", "UPDATE", "links_update"),
    ("links", "DELETE", "links"),
]


def _trigger(table: str, event: str) -> str:
    return f"changes_{table}_{event.lower()}"


def upgrade() -> None:
    op.execute(TABLE)
    op.execute("CREATE INDEX ix_changes_xid_id ON changes (xid, id)")
    for name, body in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION changes_record_{name}() RETURNS trigger "
                   f"LANGUAGE plpgsql AS $$\nBEGIN{body}\n    RETURN NULL;\nEND\n$$")
    for table, event, function in TRIGGERS:
        if event == "UPDATE" and function.endswith("_update"):
            referencing = "OLD TABLE AS before NEW TABLE AS changed"
        else:
            referencing = f"{'OLD' if event == 'DELETE' else 'NEW'} TABLE AS changed"
        op.execute(f"CREATE TRIGGER {_trigger(table, event)} AFTER {event} ON {table} "
                   f"REFERENCING {referencing} FOR EACH STATEMENT "
                   f"EXECUTE FUNCTION changes_record_{function}()")


def downgrade() -> None:
    for table, event, _ in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {_trigger(table, event)} ON {table}")
    for name in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS changes_record_{name}()")
    op.execute("DROP TABLE IF EXISTS changes")

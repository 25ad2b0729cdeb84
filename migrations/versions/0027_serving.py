"""cache_generations: what the HTTP cache of each serving process is keyed on

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 21:50:00.000000

Every writing transaction that touches a table under a public view adds one to its scope's
generation, in the same transaction, so a reader sees the new data and the new generation
together (registry/http_cache.py keys its answers on the generations read before the data;
an answer is never older than its key, whichever process cached it).

- One statement trigger per table (``COPY`` and bulk writers included) marks the scope once
  per transaction (a transaction-local setting) by inserting a row into
  ``cache_generation_pending``; a deferred constraint trigger on that table does the
  increment at commit. The generation row is therefore locked only while a transaction
  commits, never across a long import, and never while the transaction waits for another
  lock: concurrent writers cannot deadlock on it.
- Each scope has 16 slots (chosen by backend pid), summed by readers, so concurrent commits
  rarely touch the same row.

Scopes: ``entities`` (entities, names, identifiers), ``search`` (the name keys PostgreSQL
search reads), ``index`` (the outbox: what OpenSearch holds changes as it drains), ``links``, ``ownership`` (relationships, interests), ``procurement``
(contracts and their parties, awards, suppliers, agreements), ``register`` (registrants,
versions, lobbyists, clients, returns, meetings).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0027'
down_revision: str | Sequence[str] | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOTS = 16

SCOPES: dict[str, tuple[str, ...]] = {
    "entities": ("entities", "entity_names", "entity_identifiers"),
    "search": ("entity_name_keys", "name_words", "name_key_stats"),
    "index": ("search_outbox",),
    "links": ("links",),
    "ownership": ("relationships", "interests"),
    "procurement": ("contracts", "contract_parties", "awards", "award_suppliers",
                    "contract_agreements"),
    "register": ("registrants", "registrant_versions", "lobbyists", "clients", "returns",
                 "meetings", "meeting_officials", "meeting_clients", "donations"),
}

MARK = """
CREATE OR REPLACE FUNCTION cache_generation_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    flag text := 'registry.cache_marked_' || TG_ARGV[0];
BEGIN
    IF coalesce(current_setting(flag, true), '') <> '1' THEN
        PERFORM set_config(flag, '1', true);
        INSERT INTO cache_generation_pending (scope) VALUES (TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$$
"""

BUMP = f"""
CREATE OR REPLACE FUNCTION cache_generation_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE cache_generations SET generation = generation + 1
    WHERE scope = NEW.scope AND slot = pg_backend_pid() % {SLOTS};
    -- Only this transaction's own rows are visible to it (uncommitted elsewhere).
    DELETE FROM cache_generation_pending WHERE scope = NEW.scope;
    RETURN NULL;
END
$$
"""


def _tables() -> list[tuple[str, str]]:
    return [(scope, table) for scope, tables in SCOPES.items() for table in tables]


def upgrade() -> None:
    op.execute("""
        CREATE TABLE cache_generations (
            scope text NOT NULL,
            slot smallint NOT NULL,
            generation bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (scope, slot)
        )""")
    op.execute(f"""
        INSERT INTO cache_generations (scope, slot)
        SELECT s, n FROM unnest(ARRAY[{', '.join(repr(s) for s in SCOPES)}]) s,
                         generate_series(0, {SLOTS - 1}) n""")
    op.execute("CREATE TABLE cache_generation_pending (scope text NOT NULL)")
    op.execute(MARK)
    op.execute(BUMP)
    op.execute("""
        CREATE CONSTRAINT TRIGGER cache_generation_bump
        AFTER INSERT ON cache_generation_pending
        DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION cache_generation_bump()""")
    for scope, table in _tables():
        op.execute(f"""
            CREATE TRIGGER cache_generation_mark
            AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('{scope}')""")


def downgrade() -> None:
    for _, table in _tables():
        op.execute(f"DROP TRIGGER IF EXISTS cache_generation_mark ON {table}")
    op.execute("DROP TABLE cache_generation_pending")
    op.execute("DROP FUNCTION cache_generation_bump()")
    op.execute("DROP FUNCTION cache_generation_mark()")
    op.execute("DROP TABLE cache_generations")

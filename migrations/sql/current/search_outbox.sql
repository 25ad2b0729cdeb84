-- Search outbox: the triggers that queue an entity for the search index when it, its names
-- or its identifiers change (search/sync.py drains the queue).
--
-- The current definitions, as the database has them after `upgrade head`
-- (pg_get_functiondef, pg_get_triggerdef). Migrations define them; this file only
-- shows the result in one place. tests/test_sql_current.py compares the two: to change
-- one, edit it here and write a migration that executes the new definition.
-- Last defined by migrations 0004, 0018.

-- search_outbox_enqueue_children: last defined by migration 0018 (0018_outbox_bulk_writes.py)
CREATE OR REPLACE FUNCTION public.search_outbox_enqueue_children()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
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
$function$;

-- search_outbox_enqueue_entities: last defined by migration 0004 (0004_search.py)
CREATE OR REPLACE FUNCTION public.search_outbox_enqueue_entities()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    this_xid bigint := txid_current() % 4294967296;
BEGIN
    INSERT INTO search_outbox (entity_id)
    SELECT DISTINCT c.id FROM changed c
    WHERE NOT EXISTS (
        SELECT 1 FROM search_outbox o
        WHERE o.entity_id = c.id AND o.xmin::text::bigint = this_xid);
    RETURN NULL;
END
$function$;

-- search_outbox_enqueue_new_entities: last defined by migration 0018 (0018_outbox_bulk_writes.py)
CREATE OR REPLACE FUNCTION public.search_outbox_enqueue_new_entities()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO search_outbox (entity_id) SELECT c.id FROM changed c;
    RETURN NULL;
END
$function$;

-- Triggers last defined by migration 0004 (0004_search.py)
CREATE TRIGGER search_outbox_entities_delete AFTER DELETE ON entities REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_enqueue_entities();
CREATE TRIGGER search_outbox_entities_update AFTER UPDATE ON entities REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_enqueue_entities();
CREATE TRIGGER search_outbox_entity_identifiers_delete AFTER DELETE ON entity_identifiers REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_enqueue_children();
CREATE TRIGGER search_outbox_entity_identifiers_insert AFTER INSERT ON entity_identifiers REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_enqueue_children();
CREATE TRIGGER search_outbox_entity_identifiers_update AFTER UPDATE ON entity_identifiers REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_enqueue_children();
CREATE TRIGGER search_outbox_entity_names_delete AFTER DELETE ON entity_names REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_enqueue_children();
CREATE TRIGGER search_outbox_entity_names_insert AFTER INSERT ON entity_names REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_enqueue_children();
CREATE TRIGGER search_outbox_entity_names_update AFTER UPDATE ON entity_names REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_enqueue_children();

-- Triggers last defined by migration 0018 (0018_outbox_bulk_writes.py)
CREATE TRIGGER search_outbox_entities_insert AFTER INSERT ON entities REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION search_outbox_enqueue_new_entities();

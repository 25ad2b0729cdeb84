-- Change feed: statement-level triggers that record every change to a public table in
-- `changes` (registry/changes/feed.py).
--
-- The current definitions, as the database has them after `upgrade head`
-- (pg_get_functiondef, pg_get_triggerdef). Migrations define them; this file only
-- shows the result in one place. tests/test_sql_current.py compares the two: to change
-- one, edit it here and write a migration that executes the new definition.
-- Last defined by migration 0022.

-- changes_record_contracts: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_contracts()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'contract', c.id, c.dataset, c.ocid FROM changed c;
    RETURN NULL;
END
$function$;

-- changes_record_entities: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_entities()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'entity', c.id, c.dataset, c.source_key FROM changed c;
    RETURN NULL;
END
$function$;

-- changes_record_entity_children: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_entity_children()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF current_setting('registry.entities_queued', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'entity', c.entity_id, e.dataset, e.source_key
    FROM (SELECT DISTINCT entity_id FROM changed) c JOIN entities e ON e.id = c.entity_id;
    RETURN NULL;
END
$function$;

-- changes_record_interests: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_interests()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'relationship', c.relationship_id, r.dataset, r.source_key
    FROM (SELECT DISTINCT relationship_id FROM changed) c
    JOIN relationships r ON r.id = c.relationship_id;
    RETURN NULL;
END
$function$;

-- changes_record_links: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_links()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO changes (object_type, object_id)
    SELECT 'link', c.id FROM changed c WHERE c.status IN ('auto', 'confirmed');
    RETURN NULL;
END
$function$;

-- changes_record_links_update: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_links_update()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO changes (object_type, object_id)
    SELECT 'link', n.id FROM changed n JOIN before o ON o.id = n.id
    WHERE (n.status IN ('auto', 'confirmed') OR o.status IN ('auto', 'confirmed'))
      AND (n.*) IS DISTINCT FROM (o.*);
    RETURN NULL;
END
$function$;

-- changes_record_meetings: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_meetings()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'meeting', c.id, c.dataset, c.source_key FROM changed c
    LEFT JOIN registrants r ON r.id = c.registrant_id
    WHERE c.registrant_id IS NULL OR r.published_version IS NOT NULL;
    RETURN NULL;
END
$function$;

-- changes_record_registrants: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_registrants()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'registrant', c.id, NULL, c.registration_number FROM changed c
    WHERE c.published_version IS NOT NULL;
    RETURN NULL;
END
$function$;

-- changes_record_registrants_update: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_registrants_update()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'registrant', n.id, NULL, n.registration_number
    FROM changed n JOIN before o ON o.id = n.id
    WHERE (n.published_version IS NOT NULL OR o.published_version IS NOT NULL)
      AND (n.published_version, n.status, n.registration_number, n.entity_id)
          IS DISTINCT FROM (o.published_version, o.status, o.registration_number,
                            o.entity_id);
    RETURN NULL;
END
$function$;

-- changes_record_relationships: last defined by migration 0022 (0022_change_feed.py)
CREATE OR REPLACE FUNCTION public.changes_record_relationships()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    INSERT INTO changes (object_type, object_id, dataset, source_key)
    SELECT 'relationship', c.id, c.dataset, c.source_key FROM changed c;
    RETURN NULL;
END
$function$;

-- Triggers last defined by migration 0022 (0022_change_feed.py)
CREATE TRIGGER changes_contracts_delete AFTER DELETE ON contracts REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_contracts();
CREATE TRIGGER changes_contracts_insert AFTER INSERT ON contracts REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_contracts();
CREATE TRIGGER changes_contracts_update AFTER UPDATE ON contracts REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_contracts();
CREATE TRIGGER changes_entities_delete AFTER DELETE ON entities REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_entities();
CREATE TRIGGER changes_entities_insert AFTER INSERT ON entities REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_entities();
CREATE TRIGGER changes_entities_update AFTER UPDATE ON entities REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_entities();
CREATE TRIGGER changes_entity_identifiers_delete AFTER DELETE ON entity_identifiers REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_entity_children();
CREATE TRIGGER changes_entity_identifiers_insert AFTER INSERT ON entity_identifiers REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_entity_children();
CREATE TRIGGER changes_entity_identifiers_update AFTER UPDATE ON entity_identifiers REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_entity_children();
CREATE TRIGGER changes_entity_names_delete AFTER DELETE ON entity_names REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_entity_children();
CREATE TRIGGER changes_entity_names_insert AFTER INSERT ON entity_names REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_entity_children();
CREATE TRIGGER changes_entity_names_update AFTER UPDATE ON entity_names REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_entity_children();
CREATE TRIGGER changes_interests_delete AFTER DELETE ON interests REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_interests();
CREATE TRIGGER changes_interests_insert AFTER INSERT ON interests REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_interests();
CREATE TRIGGER changes_interests_update AFTER UPDATE ON interests REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_interests();
CREATE TRIGGER changes_links_delete AFTER DELETE ON links REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_links();
CREATE TRIGGER changes_links_insert AFTER INSERT ON links REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_links();
CREATE TRIGGER changes_links_update AFTER UPDATE ON links REFERENCING OLD TABLE AS before NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_links_update();
CREATE TRIGGER changes_meetings_delete AFTER DELETE ON meetings REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_meetings();
CREATE TRIGGER changes_meetings_insert AFTER INSERT ON meetings REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_meetings();
CREATE TRIGGER changes_meetings_update AFTER UPDATE ON meetings REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_meetings();
CREATE TRIGGER changes_registrants_delete AFTER DELETE ON registrants REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_registrants();
CREATE TRIGGER changes_registrants_insert AFTER INSERT ON registrants REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_registrants();
CREATE TRIGGER changes_registrants_update AFTER UPDATE ON registrants REFERENCING OLD TABLE AS before NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_registrants_update();
CREATE TRIGGER changes_relationships_delete AFTER DELETE ON relationships REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_relationships();
CREATE TRIGGER changes_relationships_insert AFTER INSERT ON relationships REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_relationships();
CREATE TRIGGER changes_relationships_update AFTER UPDATE ON relationships REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION changes_record_relationships();

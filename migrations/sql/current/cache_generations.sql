-- Cache generations: every write to a table of a family marks the family, and one deferred
-- trigger per transaction bumps its generation (the HTTP cache of each serving process is
-- keyed on them).
--
-- The current definitions, as the database has them after `upgrade head`
-- (pg_get_functiondef, pg_get_triggerdef). Migrations define them; this file only
-- shows the result in one place. tests/test_sql_current.py compares the two: to change
-- one, edit it here and write a migration that executes the new definition.
-- Last defined by migration 0027.

-- cache_generation_bump: last defined by migration 0027 (0027_serving.py)
CREATE OR REPLACE FUNCTION public.cache_generation_bump()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    UPDATE cache_generations SET generation = generation + 1
    WHERE scope = NEW.scope AND slot = pg_backend_pid() % 16;
    -- Only this transaction's own rows are visible to it (uncommitted elsewhere).
    DELETE FROM cache_generation_pending WHERE scope = NEW.scope;
    RETURN NULL;
END
$function$;

-- cache_generation_mark: last defined by migration 0027 (0027_serving.py)
CREATE OR REPLACE FUNCTION public.cache_generation_mark()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
DECLARE
    flag text := 'registry.cache_marked_' || TG_ARGV[0];
BEGIN
    IF coalesce(current_setting(flag, true), '') <> '1' THEN
        PERFORM set_config(flag, '1', true);
        INSERT INTO cache_generation_pending (scope) VALUES (TG_ARGV[0]);
    END IF;
    RETURN NULL;
END
$function$;

-- Triggers last defined by migration 0027 (0027_serving.py)
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON award_suppliers FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('procurement');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON awards FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('procurement');
CREATE CONSTRAINT TRIGGER cache_generation_bump AFTER INSERT ON cache_generation_pending DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cache_generation_bump();
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON clients FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('register');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON contract_agreements FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('procurement');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON contract_parties FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('procurement');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON contracts FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('procurement');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON donations FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('register');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON entities FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('entities');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON entity_identifiers FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('entities');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON entity_name_keys FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('search');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON entity_names FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('entities');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON interests FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('ownership');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON links FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('links');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON lobbyists FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('register');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON meeting_clients FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('register');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON meeting_officials FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('register');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON meetings FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('register');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON name_key_stats FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('search');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON name_words FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('search');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON registrant_versions FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('register');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON registrants FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('register');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON relationships FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('ownership');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON returns FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('register');
CREATE TRIGGER cache_generation_mark AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE ON search_outbox FOR EACH STATEMENT EXECUTE FUNCTION cache_generation_mark('index');

-- The chain head comes from the one-row table alone (issue 16, finding 5). The tail used to travel
-- in the transaction-local setting `audit.chain_tail`, which any role can set: the app role could
-- name an older event's hash and fork the chain. Now each row reads the head under its row lock and
-- moves it; only the owner may write the head (the app role may read it), and the trigger runs as
-- the owner (SECURITY DEFINER).
DROP TRIGGER IF EXISTS audit_events_move_head ON audit_events;
--> statement-breakpoint
DROP FUNCTION IF EXISTS audit_events_move_head();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  tail text;
BEGIN
  SELECT hash INTO tail FROM public.audit_chain_head FOR UPDATE;
  NEW.prev_hash := tail;
  NEW.hash := public.audit_event_digest(NEW.prev_hash, NEW);
  UPDATE public.audit_chain_head SET hash = NEW.hash;
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- Every trigger function and every SECURITY DEFINER function gets a fixed search_path: pg_catalog
-- first, then public, and the session's temporary schema named last (left out, PostgreSQL searches it
-- FIRST for tables, so a temporary table `batches` could stand in for the real one in
-- stock_movements_apply and let a movement skip the counters). tests/integration/db-roles.test.ts
-- checks every such function, later ones included.
DO $$
DECLARE
  f record;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure AS signature
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND (p.prorettype = 'trigger'::regtype OR p.prosecdef OR p.proname = 'audit_event_digest')
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, public, pg_temp', f.signature);
  END LOOP;
END
$$;

-- The web server connects as an app role that may only INSERT into and SELECT
-- from audit_events (db/roles.ts). The chain triggers must still move the
-- one-row chain head, which the app role may only read: they run as their
-- owner (SECURITY DEFINER), with a fixed search_path so nothing the caller
-- puts in front of `public` can stand in for the tables and functions they use.
ALTER FUNCTION audit_events_chain() SECURITY DEFINER SET search_path = public, pg_temp;
--> statement-breakpoint
ALTER FUNCTION audit_events_move_head() SECURITY DEFINER SET search_path = public, pg_temp;

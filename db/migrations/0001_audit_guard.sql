-- The audit trail is append-only and hash-chained (see db/schema/audit.ts).
-- The digest covers every column a reader relies on; jsonb's text form is
-- canonical (keys are stored sorted), so the same content always hashes alike.
--
-- The chain's tail lives in a one-row table. Its row lock (taken by the first
-- audit insert of a transaction, held to commit) serialises writers; the id
-- order of concurrent transactions says nothing about who wrote last, so the
-- tail must never be guessed from ids. Within a transaction the tail travels
-- in a transaction-local setting, so bulk inserts do not re-read it per row.
CREATE TABLE audit_chain_head (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  hash text
);
--> statement-breakpoint
INSERT INTO audit_chain_head (hash) VALUES (NULL);
--> statement-breakpoint
CREATE FUNCTION audit_event_digest(prev text, e audit_events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws(E'\x1f',
    coalesce(prev, ''), e.id::text, extract(epoch FROM e.occurred_at)::text,
    e.actor, e.action, e.entity_type, e.entity_id,
    coalesce(e.before::text, ''), coalesce(e.after::text, ''), coalesce(e.reason, '')
  ), 'UTF8')), 'hex')
$$;
--> statement-breakpoint
CREATE FUNCTION audit_events_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  tail text := current_setting('audit.chain_tail', true);
BEGIN
  IF tail IS NULL OR tail = '' THEN
    SELECT coalesce(hash, '-') INTO tail FROM audit_chain_head FOR UPDATE;
  END IF;
  NEW.prev_hash := nullif(tail, '-');
  NEW.hash := audit_event_digest(NEW.prev_hash, NEW);
  PERFORM set_config('audit.chain_tail', NEW.hash, true);
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE FUNCTION audit_events_move_head() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- A statement that inserted no row leaves the head alone.
  IF coalesce(current_setting('audit.chain_tail', true), '') <> '' THEN
    UPDATE audit_chain_head SET hash = current_setting('audit.chain_tail', true);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_move_head AFTER INSERT ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_move_head();
--> statement-breakpoint
CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_chain();
--> statement-breakpoint
CREATE FUNCTION audit_events_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change();

-- The stock-ledger kind for vials given back to available stock is `unreserved` (issue 19, item 5):
-- `released` is also a request state and a batch status, and one word should mean one thing.
--
-- Old rows are rewritten so the ledger speaks one language. stock_movements is append-only (trigger
-- stock_movements_append_only, and the app role has no UPDATE); this migration runs as the owner and
-- lifts the trigger for the one UPDATE below only, inside the migration's transaction, then puts it back.
-- Audit note: the rewrite changes the kind's name and nothing else (quantity, batch, request, actor,
-- reason and time stay); the counters in `batches` do not move, because stock_movements_apply runs on
-- INSERT only. The rows rewritten are exactly those whose kind was 'released'.
ALTER TABLE stock_movements DROP CONSTRAINT stock_movements_kind_known;
--> statement-breakpoint
ALTER TABLE stock_movements DISABLE TRIGGER stock_movements_append_only;
--> statement-breakpoint
UPDATE stock_movements SET kind = 'unreserved' WHERE kind = 'released';
--> statement-breakpoint
ALTER TABLE stock_movements ENABLE TRIGGER stock_movements_append_only;
--> statement-breakpoint
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_kind_known
  CHECK (kind IN ('received', 'reserved', 'unreserved', 'shipped', 'adjusted', 'returned'));
--> statement-breakpoint
-- received    +q: total, available        adjusted ±q: total, available
-- reserved    +q: available -> reserved   unreserved +q: reserved -> available
-- shipped     +q: reserved -> shipped     returned +q: shipped -> available
-- The fixed search_path of migration 0031 is stated again: CREATE OR REPLACE resets it.
CREATE OR REPLACE FUNCTION stock_movements_apply() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  UPDATE batches SET
    vials_total = vials_total + CASE WHEN NEW.kind IN ('received', 'adjusted') THEN NEW.quantity ELSE 0 END,
    vials_available = vials_available + CASE NEW.kind
      WHEN 'received' THEN NEW.quantity WHEN 'adjusted' THEN NEW.quantity
      WHEN 'reserved' THEN -NEW.quantity WHEN 'unreserved' THEN NEW.quantity
      WHEN 'returned' THEN NEW.quantity ELSE 0 END,
    vials_reserved = vials_reserved + CASE NEW.kind
      WHEN 'reserved' THEN NEW.quantity WHEN 'unreserved' THEN -NEW.quantity
      WHEN 'shipped' THEN -NEW.quantity ELSE 0 END,
    vials_shipped = vials_shipped + CASE NEW.kind
      WHEN 'shipped' THEN NEW.quantity WHEN 'returned' THEN -NEW.quantity ELSE 0 END,
    updated_at = now()
  WHERE id = NEW.batch_id;
  RETURN NEW;
END
$$;

-- The stock ledger (db/schema/stock.ts): every change of a batch's vials is a
-- movement, appended and never changed; a trigger keeps the batch's counters
-- in step in the same transaction, so the CHECK constraints of `batches`
-- refuse any movement that would oversell (available < 0).
CREATE TABLE "stock_movements" (
  "id" bigserial PRIMARY KEY,
  "batch_id" integer NOT NULL REFERENCES "batches"("id"),
  "kind" text NOT NULL,
  "quantity" integer NOT NULL,
  "request_id" bigint,
  "actor" text NOT NULL,
  "reason" text,
  "occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
  CONSTRAINT "stock_movements_kind_known" CHECK ("kind" IN ('received', 'reserved', 'released', 'shipped', 'adjusted', 'returned')),
  -- Only an adjustment may be negative (a count corrected down); none is zero.
  CONSTRAINT "stock_movements_quantity_sign" CHECK ("quantity" <> 0 AND ("kind" = 'adjusted' OR "quantity" > 0)),
  CONSTRAINT "stock_movements_adjustment_reason" CHECK ("kind" <> 'adjusted' OR length(coalesce("reason", '')) > 0)
);
--> statement-breakpoint
CREATE INDEX "stock_movements_batch_idx" ON "stock_movements" ("batch_id", "id");
--> statement-breakpoint
CREATE INDEX "stock_movements_request_idx" ON "stock_movements" ("request_id") WHERE "request_id" IS NOT NULL;
--> statement-breakpoint
-- received  +q: total, available      adjusted ±q: total, available
-- reserved  +q: available -> reserved  released +q: reserved -> available
-- shipped   +q: reserved -> shipped    returned +q: shipped -> available
CREATE FUNCTION stock_movements_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE batches SET
    vials_total = vials_total + CASE WHEN NEW.kind IN ('received', 'adjusted') THEN NEW.quantity ELSE 0 END,
    vials_available = vials_available + CASE NEW.kind
      WHEN 'received' THEN NEW.quantity WHEN 'adjusted' THEN NEW.quantity
      WHEN 'reserved' THEN -NEW.quantity WHEN 'released' THEN NEW.quantity
      WHEN 'returned' THEN NEW.quantity ELSE 0 END,
    vials_reserved = vials_reserved + CASE NEW.kind
      WHEN 'reserved' THEN NEW.quantity WHEN 'released' THEN -NEW.quantity
      WHEN 'shipped' THEN -NEW.quantity ELSE 0 END,
    vials_shipped = vials_shipped + CASE NEW.kind
      WHEN 'shipped' THEN NEW.quantity WHEN 'returned' THEN -NEW.quantity ELSE 0 END,
    updated_at = now()
  WHERE id = NEW.batch_id;
  RETURN NEW;
END
$$;
--> statement-breakpoint
-- The opening balance of batches that existed before the ledger (demo data
-- loaded by an earlier version): movements that reproduce their counters.
INSERT INTO stock_movements (batch_id, kind, quantity, actor, reason)
SELECT id, 'received', vials_total, 'system', 'opening balance' FROM batches WHERE vials_total > 0
UNION ALL
SELECT id, 'reserved', vials_reserved + vials_shipped, 'system', 'opening balance' FROM batches WHERE vials_reserved + vials_shipped > 0
UNION ALL
SELECT id, 'shipped', vials_shipped, 'system', 'opening balance' FROM batches WHERE vials_shipped > 0
UNION ALL
SELECT id, 'adjusted', -(vials_total - vials_available - vials_reserved - vials_shipped), 'system', 'opening balance: vials not in stock'
FROM batches WHERE vials_total > vials_available + vials_reserved + vials_shipped;
--> statement-breakpoint
UPDATE batches SET vials_total = vials_available + vials_reserved + vials_shipped WHERE vials_total > vials_available + vials_reserved + vials_shipped;
--> statement-breakpoint
CREATE TRIGGER stock_movements_apply AFTER INSERT ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION stock_movements_apply();
--> statement-breakpoint
CREATE FUNCTION ledger_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER stock_movements_append_only BEFORE UPDATE OR DELETE ON stock_movements
  FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER stock_movements_no_truncate BEFORE TRUNCATE ON stock_movements
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
-- What the last import said of a batch's stock: a re-import compares against
-- this, never against the live counters (which move with reservations).
ALTER TABLE "batches" ADD COLUMN "imported_stock" jsonb;
--> statement-breakpoint
UPDATE batches SET imported_stock = jsonb_build_object('vials_total', vials_total, 'vials_available', vials_available,
  'vials_reserved', vials_reserved, 'vials_shipped', vials_shipped);
--> statement-breakpoint
-- The mail outbox becomes a real transactional outbox: a row is written in the
-- change's transaction and delivered by a worker, with retries.
ALTER TABLE "mail_outbox" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "mail_outbox" ADD COLUMN "next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL;
--> statement-breakpoint
ALTER TABLE "mail_outbox" ADD COLUMN "processed_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "mail_outbox" ADD COLUMN "last_error" text;
--> statement-breakpoint
-- Mail written before the outbox was delivered at once (or only logged).
UPDATE mail_outbox SET processed_at = created_at;
--> statement-breakpoint
CREATE INDEX "mail_outbox_pending_idx" ON "mail_outbox" ("next_attempt_at", "id") WHERE "processed_at" IS NULL;

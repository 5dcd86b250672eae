-- The outbox poll (db/outbox.ts claimDue: WHERE processed_at IS NULL ... ORDER BY id LIMIT n)
-- walks these small indexes in id order, whatever the planner believes about how many rows wait:
-- after a bulk import its statistics said ~18,000 waiting and it walked the primary key over
-- every processed row, every second (issue 20).
CREATE INDEX IF NOT EXISTS "search_outbox_unprocessed_id_idx" ON "search_outbox" ("id") WHERE "processed_at" IS NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "mail_outbox_unprocessed_id_idx" ON "mail_outbox" ("id") WHERE "processed_at" IS NULL;

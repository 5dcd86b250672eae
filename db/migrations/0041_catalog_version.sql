-- One number that moves whenever what the public sees of the catalog may have changed: bumped by
-- the search worker in the transaction that marks outbox rows processed (search/sync.ts), so it
-- moves when a change has reached Meilisearch. The page cache (platform/page-cache.ts) keys on it.
CREATE TABLE IF NOT EXISTS "catalog_version" (
  "id" integer PRIMARY KEY DEFAULT 1 CHECK ("id" = 1),
  "version" bigint NOT NULL DEFAULT 1,
  "changed_at" timestamptz NOT NULL DEFAULT now()
);--> statement-breakpoint
INSERT INTO "catalog_version" ("id") VALUES (1) ON CONFLICT DO NOTHING;

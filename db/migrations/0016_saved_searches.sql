-- Saved searches and availability alerts of signed-in researchers.
-- seen_lines / seen_available: what matched (and was available) at the last check, so an alert tells only what is new.
CREATE TABLE "saved_searches" (
  "id" bigserial PRIMARY KEY,
  "account_id" text NOT NULL REFERENCES "accounts"("id") ON DELETE CASCADE,
  "name" text NOT NULL,
  "query" text NOT NULL,
  "alert" boolean NOT NULL DEFAULT true,
  "seen_lines" text[] NOT NULL DEFAULT '{}'::text[],
  "seen_available" text[] NOT NULL DEFAULT '{}'::text[],
  "checked_at" timestamp with time zone,
  "created_at" timestamp with time zone NOT NULL DEFAULT now(),
  CONSTRAINT "saved_searches_name_length" CHECK (char_length("name") BETWEEN 1 AND 120),
  CONSTRAINT "saved_searches_query_length" CHECK (char_length("query") <= 2000)
);
--> statement-breakpoint
CREATE INDEX "saved_searches_account_idx" ON "saved_searches" ("account_id");
--> statement-breakpoint
CREATE INDEX "saved_searches_due_idx" ON "saved_searches" ("checked_at") WHERE "alert";

-- Throttling with growing delays instead of lockouts (src/lib/server/accounts/throttle.ts):
-- one row per key with a decaying count, replacing one row per failure.
DROP TABLE "sign_in_failures";
--> statement-breakpoint
CREATE TABLE "auth_throttle" (
  "key" text PRIMARY KEY,
  "failures" double precision NOT NULL,
  "last_failure_at" timestamp with time zone NOT NULL,
  "blocked_until" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "auth_throttle_last_failure_idx" ON "auth_throttle" ("last_failure_at");
--> statement-breakpoint
-- Security noise, aggregated and bounded, out of the audit trail (db/schema/security.ts).
CREATE TABLE "security_events" (
  "kind" text NOT NULL,
  "key" text NOT NULL,
  "window_start" timestamp with time zone NOT NULL,
  "count" integer DEFAULT 1 NOT NULL,
  "last_at" timestamp with time zone NOT NULL,
  CONSTRAINT "security_events_pkey" PRIMARY KEY ("kind", "key", "window_start"),
  CONSTRAINT "security_events_kind_known" CHECK ("kind" IN ('sign_in.failed', 'sign_in.throttled', 'password_check.failed', 'password_check.throttled', 'mail.dropped'))
);
--> statement-breakpoint
CREATE INDEX "security_events_window_idx" ON "security_events" ("window_start");

-- Devices and addresses an account signed in from (src/lib/server/accounts/trust.ts): the owner
-- signing in from one is throttled on that device or address alone, never by failures from elsewhere.
CREATE TABLE "sign_in_trust" (
  "key" text PRIMARY KEY,
  "account_id" text NOT NULL REFERENCES "accounts" ("id") ON DELETE CASCADE,
  "created_at" timestamp with time zone DEFAULT now() NOT NULL,
  "last_used_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "sign_in_trust_last_used_idx" ON "sign_in_trust" ("last_used_at");
--> statement-breakpoint
-- Request budgets of the HTTP edge, shared by every portal process (rate-limiter-flexible's PostgreSQL
-- store, in the shape it creates itself; created here because the app role may not create tables).
CREATE TABLE "rate_limits" (
  "key" varchar(255) PRIMARY KEY,
  "points" integer DEFAULT 0 NOT NULL,
  "expire" bigint
);

-- Guards the application relies on but drizzle-kit does not generate (db/schema/accounts.ts).
-- Emails are stored lowercased, so the plain unique index is case-insensitive; refuse anything else.
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_email_lowercase" CHECK ("email" = lower("email"));
--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_role_known" CHECK ("role" IN ('requester', 'staff', 'admin'));
--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_status_known" CHECK ("status" IN ('pending', 'active', 'disabled'));
--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_locale_known" CHECK ("locale" IN ('en', 'zh'));

/**
 * Accounts, their sessions and the one-time tokens sent by mail.
 *
 * Secrets are never stored: sessions and mailed tokens keep only the SHA-256
 * of their secret half (tokens are `<id>.<secret>`, see src/lib/server/accounts/token.ts),
 * passwords only their argon2id hash. Emails are stored lowercased, so the
 * unique index is case-insensitive.
 */
import { relations } from 'drizzle-orm';
import {
  bigint,
  customType,
  doublePrecision,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * The one list of roles, lowest first (authorize.ts ranks them in this order); the column's CHECK, the forms,
 * the admin page and the scripts read it. `staffRoles` are the roles that work for the bank.
 */
export const roles = ['requester', 'staff', 'admin'] as const;
export type Role = (typeof roles)[number];
export const staffRoles = ['staff', 'admin'] as const satisfies readonly Role[];
export const accountStatuses = ['pending', 'active', 'disabled'] as const;
export type AccountStatus = (typeof accountStatuses)[number];

export const accounts = pgTable(
  'accounts',
  {
    id: text().primaryKey(),
    /** Lowercased on write. */
    email: text().notNull(),
    passwordHash: text().notNull(),
    displayName: text().notNull(),
    institution: text().notNull().default(''),
    country: text().notNull().default(''),
    /** The language mail is written in, chosen at registration. */
    locale: text({ enum: ['en', 'zh'] })
      .notNull()
      .default('en'),
    role: text({ enum: roles }).notNull().default('requester'),
    /** `pending` until the email address is verified. */
    status: text({ enum: accountStatuses }).notNull().default('pending'),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastLoginAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex('accounts_email_key').on(t.email)],
);

/** A `<id>.<secret>` token's row: the id, the secret's SHA-256, whose it is, and its lifetime. */
const hashedTokenColumns = () => ({
  id: text().primaryKey(),
  secretHash: bytea().notNull(),
  accountId: text()
    .notNull()
    .references(() => accounts.id, { onDelete: 'cascade' }),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
});

export const sessions = pgTable(
  'sessions',
  {
    ...hashedTokenColumns(),
    /** Shown in the account's session list, so people recognise their devices. */
    userAgent: text().notNull().default(''),
    ipAddress: text().notNull().default(''),
  },
  (t) => [index().on(t.accountId)],
);

/** Shape shared by the two kinds of mailed one-time token. */
const oneTimeToken = () => ({
  ...hashedTokenColumns(),
  /** Set when redeemed: a token works once. */
  usedAt: timestamp({ withTimezone: true }),
});

export const emailVerificationTokens = pgTable('email_verification_tokens', oneTimeToken(), (t) => [
  index().on(t.accountId),
]);
export const passwordResetTokens = pgTable('password_reset_tokens', oneTimeToken(), (t) => [index().on(t.accountId)]);

/**
 * Throttle state (src/lib/server/accounts/throttle.ts): one row per key
 * (`pair:<email>|<address>`, `account:<email>`, `address:<address>`,
 * `password:<account id>`, `mail:<email>`, `mail-address:<address>`), a
 * decaying failure count and the moment the key may be tried again. Keyed by
 * the address typed, not the account, so unknown emails are throttled alike.
 */
export const authThrottle = pgTable(
  'auth_throttle',
  {
    key: text().primaryKey(),
    failures: doublePrecision().notNull(),
    lastFailureAt: timestamp({ withTimezone: true }).notNull(),
    blockedUntil: timestamp({ withTimezone: true }),
  },
  (t) => [index('auth_throttle_last_failure_idx').on(t.lastFailureAt)],
);

/**
 * Devices (`device:<sha256 of the device cookie>`) and addresses
 * (`address:<account id>|<address>`) an account signed in from: its owner,
 * coming back from one, is throttled there alone (src/lib/server/accounts/trust.ts).
 */
export const signInTrust = pgTable(
  'sign_in_trust',
  {
    key: text().primaryKey(),
    accountId: text()
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('sign_in_trust_last_used_idx').on(t.lastUsedAt)],
);

/** Request budgets of the HTTP edge across processes: rate-limiter-flexible's PostgreSQL store reads and writes it. */
export const rateLimits = pgTable('rate_limits', {
  key: varchar({ length: 255 }).primaryKey(),
  points: integer().notNull().default(0),
  expire: bigint({ mode: 'number' }),
});

/** Mail that was not sent through SMTP (no SMTP_URL): kept here, listed at /dev/mail outside production. */

export const accountsRelations = relations(accounts, ({ many }) => ({ sessions: many(sessions) }));
export const sessionsRelations = relations(sessions, ({ one }) => ({
  account: one(accounts, { fields: [sessions.accountId], references: [accounts.id] }),
}));

export type Account = typeof accounts.$inferSelect;
export type Session = typeof sessions.$inferSelect;

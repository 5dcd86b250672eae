/**
 * Security noise, kept out of the audit trail (an attacker must not be able
 * to grow the record chain at will) and bounded: one row per (kind, key,
 * hour) with a counter, where the key is a client address or an account id,
 * never a string the client typed. Windows older than 30 days are pruned
 * (src/lib/server/platform/security-events.ts).
 */
import { index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const securityEventKinds = [
  'sign_in.failed',
  'sign_in.throttled',
  'password_check.failed',
  'password_check.throttled',
  'mail.dropped',
] as const;
export type SecurityEventKind = (typeof securityEventKinds)[number];

export const securityEvents = pgTable(
  'security_events',
  {
    kind: text({ enum: securityEventKinds }).notNull(),
    key: text().notNull(),
    windowStart: timestamp({ withTimezone: true }).notNull(),
    count: integer().notNull().default(1),
    lastAt: timestamp({ withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.key, t.windowStart] }),
    index('security_events_window_idx').on(t.windowStart),
  ],
);

export type SecurityEvent = typeof securityEvents.$inferSelect;

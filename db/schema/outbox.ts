/**
 * The transactional outbox feeding Meilisearch.
 *
 * A catalog change writes a row here in the same transaction as the change,
 * so search can never miss an update; the sync worker drains it. Rows are
 * kept (with `processedAt`) as a record of what was sent.
 */
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const searchOutbox = pgTable(
  'search_outbox',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    entityType: text({ enum: ['line', 'batch'] }).notNull(),
    entityId: text().notNull(),
    op: text({ enum: ['upsert', 'delete'] }).notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp({ withTimezone: true }),
    lastError: text(),
  },
  (t) => [
    index('search_outbox_pending_idx').on(t.nextAttemptAt, t.id).where(sql`processed_at IS NULL`),
    // The poll's order (migration 0040): cheap whatever the statistics say.
    index('search_outbox_unprocessed_id_idx').on(t.id).where(sql`processed_at IS NULL`),
  ],
);

export type OutboxRow = typeof searchOutbox.$inferSelect;

/**
 * Mail, written in the same transaction as the change it tells of and
 * delivered by a worker (src/lib/server/platform/mail.ts): an SMTP outage
 * delays a message, it never rolls back a registration, and a rolled-back
 * change sends nothing. Delivered rows stay, as a record of what was sent.
 */
export const mailOutbox = pgTable(
  'mail_outbox',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    to: text().notNull(),
    subject: text().notNull(),
    body: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    processedAt: timestamp({ withTimezone: true }),
    lastError: text(),
  },
  (t) => [
    index('mail_outbox_pending_idx').on(t.nextAttemptAt, t.id).where(sql`processed_at IS NULL`),
    // The poll's order (migration 0040): cheap whatever the statistics say.
    index('mail_outbox_unprocessed_id_idx').on(t.id).where(sql`processed_at IS NULL`),
  ],
);

export type MailMessage = typeof mailOutbox.$inferSelect;

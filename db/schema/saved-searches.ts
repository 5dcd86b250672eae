/**
 * Saved searches of signed-in researchers and their availability alerts
 * (migration `0016_saved_searches`). `query` is the search's query string as
 * the search page writes it; `seen_lines` and `seen_available` are what
 * matched, and what of it was available, at the last check: an alert mail
 * tells only what is new since then.
 */
import { sql } from 'drizzle-orm';
import { bigserial, boolean, check, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';

export const savedSearches = pgTable(
  'saved_searches',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    accountId: text()
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    name: text().notNull(),
    query: text().notNull(),
    alert: boolean().notNull().default(true),
    seenLines: text().array().notNull().default(sql`'{}'::text[]`),
    seenAvailable: text().array().notNull().default(sql`'{}'::text[]`),
    checkedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('saved_searches_account_idx').on(t.accountId),
    index('saved_searches_due_idx').on(t.checkedAt).where(sql`"alert"`),
    check('saved_searches_name_length', sql`char_length(${t.name}) BETWEEN 1 AND 120`),
    check('saved_searches_query_length', sql`char_length(${t.query}) <= 2000`),
  ],
);

export type SavedSearch = typeof savedSearches.$inferSelect;

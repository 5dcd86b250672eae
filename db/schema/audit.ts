/**
 * The audit trail: append-only, hash-chained.
 *
 * Every change in the catalog, the accounts and the request/outbound chain
 * writes one row here in the same transaction as the change. A trigger
 * (migration `0001_audit_guard`) computes `hash` over the row's content and
 * the previous row's hash, and rejects UPDATE and DELETE, so
 * `npm run audit:verify` can prove years later that nothing was altered.
 */
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    occurredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Account id, or a label such as `import:cli` or `system`. */
    actor: text().notNull(),
    /** Verb-first, dotted: `line.created`, `line.updated`, `account.role_changed` ... */
    action: text().notNull(),
    entityType: text().notNull(),
    entityId: text().notNull(),
    before: jsonb(),
    after: jsonb(),
    reason: text(),
    /** Filled by the trigger; never by the application. */
    prevHash: text(),
    hash: text(),
  },
  (t) => [index().on(t.entityType, t.entityId, t.id), index('audit_events_hash_idx').on(t.hash)],
);

export type AuditEvent = typeof auditEvents.$inferSelect;

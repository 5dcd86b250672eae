/**
 * The stock ledger: every change of a batch's vials is one movement,
 * appended and never changed (migration `0005_stock_ledger_mail_outbox`).
 *
 * A trigger applies each movement to the batch's counters in the same
 * transaction, so the counters are a cache of the ledger that the CHECK
 * constraints of `batches` guard: a reservation that would take available
 * below zero fails, whoever writes it.
 *
 *   received  +q  total and available       adjusted ±q  total and available (reason required)
 *   reserved  +q  available -> reserved     unreserved +q  reserved -> available (until migration 0060: `released`)
 *   shipped   +q  reserved -> shipped       returned +q  shipped -> available
 */
import { relations, sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { batches } from './batches.ts';

export const movementKinds = ['received', 'reserved', 'unreserved', 'shipped', 'adjusted', 'returned'] as const;
export type MovementKind = (typeof movementKinds)[number];

export const stockMovements = pgTable(
  'stock_movements',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    kind: text({ enum: movementKinds }).notNull(),
    quantity: integer().notNull(),
    /** The request the vials move for (reservations, vials given back, shipments). */
    requestId: bigint({ mode: 'number' }),
    /** Account id, or a label such as `import:cli`, `system`. */
    actor: text().notNull(),
    reason: text(),
    occurredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('stock_movements_batch_idx').on(t.batchId, t.id),
    check('stock_movements_quantity_sign', sql`${t.quantity} <> 0 AND (${t.kind} = 'adjusted' OR ${t.quantity} > 0)`),
  ],
);

export const stockMovementsRelations = relations(stockMovements, ({ one }) => ({
  batch: one(batches, { fields: [stockMovements.batchId], references: [batches.id] }),
}));

export type StockMovement = typeof stockMovements.$inferSelect;

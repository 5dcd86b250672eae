/**
 * Batches (lots) of a line and their quality-control results.
 *
 * Vial counters are maintained from the stock ledger (db/schema/stock.ts) and
 * can never go negative nor add up to more than the total: the database says
 * so (CHECK constraints), not only the code that reserves stock. The storage
 * location is staff only.
 */
import { relations, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { lines } from './catalog.ts';

export const batchTypes = ['master', 'working', 'distribution'] as const;
export const grades = ['research', 'clinical'] as const;
export const releaseStatuses = ['quarantine', 'released', 'rejected', 'recalled'] as const;
export const qcOutcomes = ['pass', 'fail', 'pending'] as const;

export const batches = pgTable(
  'batches',
  {
    id: serial().primaryKey(),
    number: text().notNull(),
    lineId: integer()
      .notNull()
      .references(() => lines.id),
    type: text({ enum: batchTypes }).notNull(),
    parentBatchId: integer().references((): AnyPgColumn => batches.id),
    passage: integer(),
    productionDate: date({ mode: 'string' }),
    grade: text({ enum: grades }).notNull(),
    releaseStatus: text({ enum: releaseStatuses }).notNull().default('quarantine'),
    vialsTotal: integer().notNull().default(0),
    vialsAvailable: integer().notNull().default(0),
    vialsReserved: integer().notNull().default(0),
    vialsShipped: integer().notNull().default(0),
    /** `imported`: QC came with the import (before the portal); `bank`: received and released through the bank's records (db/schema/bank.ts). */
    qcSource: text({ enum: ['imported', 'bank'] })
      .notNull()
      .default('imported'),
    /** Tank / rack / box / position. Staff only. */
    storageLocation: text(),
    demo: boolean().notNull().default(false),
    synthetic: boolean().notNull().default(false),
    entryVersion: integer().notNull().default(1),
    recordDigest: text().notNull(),
    /** What the last import said of the stock; re-imports compare against it, never against the live counters. */
    importedStock: jsonb().$type<{
      vials_total: number;
      vials_available: number;
      vials_reserved: number;
      vials_shipped: number;
    }>(),
    /** Digest of the QC rows last imported for this batch: unchanged QC is not rewritten. */
    qcDigest: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('batches_number_ci').on(sql`lower(${t.number})`),
    index('batches_line_idx').on(t.lineId),
    check(
      'batches_vials_nonnegative',
      sql`${t.vialsTotal} >= 0 AND ${t.vialsAvailable} >= 0 AND ${t.vialsReserved} >= 0 AND ${t.vialsShipped} >= 0`,
    ),
    check(
      'batches_vials_within_total',
      sql`${t.vialsAvailable} + ${t.vialsReserved} + ${t.vialsShipped} <= ${t.vialsTotal}`,
    ),
    check('batches_passage_nonnegative', sql`${t.passage} IS NULL OR ${t.passage} >= 0`),
  ],
);

export const qcResults = pgTable(
  'qc_results',
  {
    id: serial().primaryKey(),
    batchId: integer()
      .notNull()
      .references(() => batches.id, { onDelete: 'cascade' }),
    test: text().notNull(),
    method: text(),
    specification: text(),
    result: text().notNull(),
    outcome: text({ enum: qcOutcomes }).notNull(),
    testedOn: date({ mode: 'string' }),
    testedBy: text(),
    reviewedBy: text(),
    /** Order on the certificate of analysis. */
    position: integer().notNull().default(0),
  },
  (t) => [index().on(t.batchId)],
);

export const batchesRelations = relations(batches, ({ one, many }) => ({
  line: one(lines, { fields: [batches.lineId], references: [lines.id] }),
  parent: one(batches, { fields: [batches.parentBatchId], references: [batches.id], relationName: 'batchDerivation' }),
  qcResults: many(qcResults),
}));

export const qcResultsRelations = relations(qcResults, ({ one }) => ({
  batch: one(batches, { fields: [qcResults.batchId], references: [batches.id] }),
}));

export type Batch = typeof batches.$inferSelect;
export type QcResult = typeof qcResults.$inferSelect;

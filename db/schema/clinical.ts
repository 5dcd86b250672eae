/**
 * hPSC-derived cell products in clinical trials, one row per (product, trial),
 * from the review transcribed in seed/data/clinical-products.tsv.
 */
import { index, integer, pgTable, serial, text, uniqueIndex } from 'drizzle-orm/pg-core';

export const clinicalProducts = pgTable(
  'clinical_products',
  {
    id: serial().primaryKey(),
    product: text().notNull(),
    productType: text().notNull(),
    /** hESC, hiPSC, iPSC, CiPSC */
    sourceCellType: text().notNull(),
    indication: text().notNull(),
    sponsor: text(),
    trialId: text(),
    /** ClinicalTrials.gov, jRCT, UMIN, ChiCTR, ACTRN, IRCT ... derived from the trial id's prefix. */
    registry: text(),
    phase: text(),
    country: text(),
    startYear: integer(),
    sourceTable: integer(),
  },
  (t) => [uniqueIndex('clinical_products_product_trial').on(t.product, t.trialId), index().on(t.indication)],
);

export type ClinicalProduct = typeof clinicalProducts.$inferSelect;

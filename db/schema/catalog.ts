/**
 * The catalog: what the bank holds, as public as it may be.
 *
 * A line carries what hPSCreg, EBiSC and Cellosaurus carry for it (identity,
 * provenance, donor summary, derivation, culture, modifications,
 * characterisation, terms). Donors are pseudonymous: only a code is stored,
 * and that code stays in staff views. `record` keeps the normalised input the
 * line was last written from: its digest makes re-imports idempotent, and it
 * is the before/after of the audit trail.
 */
import { relations, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const lineCategories = ['ipsc', 'hesc', 'msc', 'derived', 'other'] as const;
export type LineCategory = (typeof lineCategories)[number];

export const availabilities = [
  'available',
  'expand_to_order',
  'restricted',
  'recalled',
  'withdrawn',
  'not_available',
] as const;
export type Availability = (typeof availabilities)[number];

/** `published` lines are public; `hidden` ones are staff-only (draft, under review, taken down). */
export const lineStatuses = ['published', 'hidden'] as const;

export const sexes = ['female', 'male', 'unknown'] as const;

export const modificationTypes = [
  'knock-in',
  'knock-out',
  'variant',
  'reporter',
  'isogenic-control',
  'correction',
  'other',
] as const;
export const zygosities = ['heterozygous', 'homozygous', 'hemizygous', 'unknown'] as const;

export const useRestrictions = [
  'research_only',
  'no_commercial',
  'clinical_permitted',
  'no_genetic_modification',
  'no_germline',
  'mta_required',
] as const;

export const providers = pgTable('providers', {
  id: serial().primaryKey(),
  name: text().notNull().unique(),
  country: text(),
  url: text(),
});

export const donors = pgTable('donors', {
  id: serial().primaryKey(),
  /** Pseudonymous code. Staff only: never rendered on public pages or sent to search. */
  code: text().notNull().unique(),
  sex: text({ enum: sexes }).notNull().default('unknown'),
  /** Five-year band such as `45-49`, never an exact age. */
  ageBand: text(),
  ethnicity: text(),
  hla: text(),
});

export const diseases = pgTable(
  'diseases',
  {
    id: serial().primaryKey(),
    nameEn: text().notNull(),
    nameZh: text(),
    /** MONDO, DOID, Orphanet or OMIM id, e.g. `MONDO:0005180`. */
    ontologyId: text(),
    synonyms: text().array().notNull().default(sql`'{}'::text[]`),
  },
  (t) => [uniqueIndex('diseases_name_en_ci').on(sql`lower(${t.nameEn})`)],
);

export const lines = pgTable(
  'lines',
  {
    id: serial().primaryKey(),
    /** hPSCreg standard name where there is one, else the provider's name. */
    name: text().notNull(),
    category: text({ enum: lineCategories }).notNull(),
    status: text({ enum: lineStatuses }).notNull().default('published'),
    availability: text({ enum: availabilities }).notNull().default('available'),
    providerId: integer().references(() => providers.id),
    depositor: text(),
    generatingInstitute: text(),
    /** ISO 3166-1 alpha-2. */
    country: text(),
    /** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: sources rarely give the day. */
    derivationDate: text(),
    donorId: integer().references(() => donors.id),
    sourceTissue: text(),
    sourceCellType: text(),
    cellTypeOntologyId: text(),
    reprogrammingMethod: text(),
    vectorType: text({ enum: ['integrating', 'non-integrating', 'unknown'] }),
    gmp: boolean().notNull().default(false),
    xenoFree: boolean().notNull().default(false),
    cultureMedium: text(),
    cultureMatrix: text(),
    feeder: text({ enum: ['feeder-free', 'feeder-dependent'] }),
    passageMethod: text(),
    karyotype: text(),
    consentScope: text(),
    useRestrictions: text().array().notNull().default(sql`'{}'::text[]`),
    /** Agreement a requester must accept, e.g. `EBiSC MTA`. */
    agreement: text(),
    parentLineId: integer().references((): AnyPgColumn => lines.id),
    /** Where the record comes from, shown on the line page as attribution. */
    dataSource: text(),
    /** Invented for demonstration: shown as such wherever it appears. */
    demo: boolean().notNull().default(false),
    synthetic: boolean().notNull().default(false),
    entryVersion: integer().notNull().default(1),
    record: jsonb().notNull(),
    recordDigest: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('lines_name_ci').on(sql`lower(${t.name})`),
    index('lines_parent_idx').on(t.parentLineId),
    index('lines_category_idx').on(t.category),
    check('lines_entry_version_positive', sql`${t.entryVersion} >= 1`),
  ],
);

export const lineSynonyms = pgTable(
  'line_synonyms',
  {
    lineId: integer()
      .notNull()
      .references(() => lines.id, { onDelete: 'cascade' }),
    synonym: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.lineId, t.synonym] }), index('line_synonyms_ci').on(sql`lower(${t.synonym})`)],
);

/** Known sources get links out on the line page (src/lib/identifiers.ts). */
export const identifierSources = [
  'hPSCreg',
  'Cellosaurus',
  'BioSamples',
  'ECACC',
  'EBiSC',
  'Coriell',
  'WiCell',
  'ATCC',
  'HipSci',
  'RRID',
  'Catalogue',
] as const;

export const lineIdentifiers = pgTable(
  'line_identifiers',
  {
    lineId: integer()
      .notNull()
      .references(() => lines.id, { onDelete: 'cascade' }),
    source: text().notNull(),
    value: text().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.lineId, t.source, t.value] }),
    index('line_identifiers_value_ci').on(sql`lower(${t.value})`),
  ],
);

export const lineDiseases = pgTable(
  'line_diseases',
  {
    lineId: integer()
      .notNull()
      .references(() => lines.id, { onDelete: 'cascade' }),
    diseaseId: integer()
      .notNull()
      .references(() => diseases.id),
    /** What the source says beyond the disease name (variant, "carrier" ...). */
    note: text(),
  },
  (t) => [primaryKey({ columns: [t.lineId, t.diseaseId] })],
);

export const donorDiseases = pgTable(
  'donor_diseases',
  {
    donorId: integer()
      .notNull()
      .references(() => donors.id, { onDelete: 'cascade' }),
    diseaseId: integer()
      .notNull()
      .references(() => diseases.id),
    status: text({ enum: ['affected', 'carrier', 'unknown'] })
      .notNull()
      .default('affected'),
  },
  (t) => [primaryKey({ columns: [t.donorId, t.diseaseId] })],
);

export const geneticModifications = pgTable(
  'genetic_modifications',
  {
    id: serial().primaryKey(),
    lineId: integer()
      .notNull()
      .references(() => lines.id, { onDelete: 'cascade' }),
    type: text({ enum: modificationTypes }).notNull(),
    gene: text(),
    /** HGVS where the source gives one; else its words. */
    variant: text(),
    zygosity: text({ enum: zygosities }).notNull().default('unknown'),
  },
  (t) => [index().on(t.lineId), index('genetic_modifications_gene_ci').on(sql`lower(${t.gene})`)],
);

export const characterisations = pgTable(
  'characterisations',
  {
    id: serial().primaryKey(),
    lineId: integer()
      .notNull()
      .references(() => lines.id, { onDelete: 'cascade' }),
    /** karyotype, pluripotency markers, PluriTest, trilineage, virology, mycoplasma, STR ... */
    test: text().notNull(),
    method: text(),
    result: text().notNull(),
    passed: boolean(),
  },
  (t) => [index().on(t.lineId)],
);

export const publications = pgTable(
  'publications',
  {
    id: serial().primaryKey(),
    lineId: integer()
      .notNull()
      .references(() => lines.id, { onDelete: 'cascade' }),
    /** `PMID:12345678` or `doi:10...` */
    reference: text().notNull(),
    title: text(),
  },
  (t) => [index().on(t.lineId)],
);

export const linesRelations = relations(lines, ({ one, many }) => ({
  provider: one(providers, { fields: [lines.providerId], references: [providers.id] }),
  donor: one(donors, { fields: [lines.donorId], references: [donors.id] }),
  parent: one(lines, { fields: [lines.parentLineId], references: [lines.id], relationName: 'derivation' }),
  derived: many(lines, { relationName: 'derivation' }),
  synonyms: many(lineSynonyms),
  identifiers: many(lineIdentifiers),
  diseases: many(lineDiseases),
  modifications: many(geneticModifications),
  characterisations: many(characterisations),
  publications: many(publications),
}));

export const lineSynonymsRelations = relations(lineSynonyms, ({ one }) => ({
  line: one(lines, { fields: [lineSynonyms.lineId], references: [lines.id] }),
}));
export const lineIdentifiersRelations = relations(lineIdentifiers, ({ one }) => ({
  line: one(lines, { fields: [lineIdentifiers.lineId], references: [lines.id] }),
}));
export const lineDiseasesRelations = relations(lineDiseases, ({ one }) => ({
  line: one(lines, { fields: [lineDiseases.lineId], references: [lines.id] }),
  disease: one(diseases, { fields: [lineDiseases.diseaseId], references: [diseases.id] }),
}));
export const geneticModificationsRelations = relations(geneticModifications, ({ one }) => ({
  line: one(lines, { fields: [geneticModifications.lineId], references: [lines.id] }),
}));
export const characterisationsRelations = relations(characterisations, ({ one }) => ({
  line: one(lines, { fields: [characterisations.lineId], references: [lines.id] }),
}));
export const publicationsRelations = relations(publications, ({ one }) => ({
  line: one(lines, { fields: [publications.lineId], references: [lines.id] }),
}));
export const donorsRelations = relations(donors, ({ many }) => ({
  lines: many(lines),
  diseases: many(donorDiseases),
}));
export const donorDiseasesRelations = relations(donorDiseases, ({ one }) => ({
  donor: one(donors, { fields: [donorDiseases.donorId], references: [donors.id] }),
  disease: one(diseases, { fields: [donorDiseases.diseaseId], references: [diseases.id] }),
}));
export const providersRelations = relations(providers, ({ many }) => ({ lines: many(lines) }));

export type Line = typeof lines.$inferSelect;

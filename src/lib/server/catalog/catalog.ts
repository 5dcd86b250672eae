/**
 * The catalog's public reads: line and batch pages, redirects from the names
 * people use, and the statistics page. Only `published` lines exist here; a
 * hidden line, and every batch of one, reads as "not found".
 *
 * Staff-only columns (donor code, storage location, the import `record` and
 * its digest) are never selected, so no page or JSON built on these results
 * can leak them by accident.
 */
import { and, eq, sql, type Column } from 'drizzle-orm';
import type { Database } from '#db/client.ts';
import { batches } from '#db/schema/batches.ts';
import {
  diseases,
  lineDiseases,
  lineIdentifiers,
  lines,
  lineSynonyms,
  providers,
  type LineCategory,
} from '#db/schema/catalog.ts';
import { identifierUrl, publicationUrl } from '#lib/identifiers.ts';
import { deriveAvailability, requestableVials, stockAvailabilities, type LineAvailability } from '#lib/availability.ts';
import { relatedClinicalProducts, type RelatedClinicalProducts } from './clinical.ts';

const published = eq(lines.status, 'published');
const ci = (column: typeof lines.name, text: string) => sql`lower(${column}) = lower(${text})`;

/** A published line by its standard name, any case. */
export async function findLineByName(db: Database, name: string): Promise<{ id: number; name: string } | undefined> {
  const [row] = await db
    .select({ id: lines.id, name: lines.name })
    .from(lines)
    .where(and(published, ci(lines.name, name)))
    .limit(1);
  return row;
}

/**
 * The standard name a text means: the name in any case, a synonym (`WA09`), or an
 * external identifier's value (`SAMEA2474456`, `CVCL_9773`), optionally
 * prefixed by its source (`Cellosaurus:CVCL_9773`). Undefined when nothing, or
 * more than one line, answers to it: a redirect must not guess.
 */
export async function resolveLineIdentifier(db: Database, text: string): Promise<string | undefined> {
  const value = text.trim();
  if (!value) return undefined;
  const exact = await findLineByName(db, value);
  if (exact) return exact.name;
  const prefixed = /^([A-Za-z]+):\s*(.+)$/.exec(value);
  const candidates = [value, ...(prefixed ? [prefixed[2]!] : [])];
  const matchesAny = (column: Column) =>
    sql`lower(${column}) IN (${sql.join(
      candidates.map((c) => sql`lower(${c})`),
      sql`, `,
    )})`;
  // One set of ids (UNION), not `id IN (…) OR id IN (…)`: the OR made PostgreSQL
  // filter every line against both lists, 130-150 ms for a name that does not exist.
  const rows = await db
    .selectDistinct({ name: lines.name })
    .from(lines)
    .where(
      and(
        published,
        sql`${lines.id} IN (${db.select({ id: lineSynonyms.lineId }).from(lineSynonyms).where(matchesAny(lineSynonyms.synonym))}
          UNION ${db.select({ id: lineIdentifiers.lineId }).from(lineIdentifiers).where(matchesAny(lineIdentifiers.value))})`,
      ),
    )
    .limit(2);
  return rows.length === 1 ? rows[0]!.name : undefined;
}

export interface QcRow {
  test: string;
  method: string | null;
  specification: string | null;
  result: string;
  outcome: 'pass' | 'fail' | 'pending';
  testedOn: string | null;
  testedBy: string | null;
  reviewedBy: string | null;
}

export interface BatchSummary {
  number: string;
  type: 'master' | 'working' | 'distribution';
  passage: number | null;
  productionDate: string | null;
  grade: 'research' | 'clinical';
  releaseStatus: 'quarantine' | 'released' | 'rejected' | 'recalled';
  /** What the stock ledger holds as available, whatever the release status (staff meaning). */
  vialsAvailable: number;
  /** What a researcher can request: available vials of a released batch, else 0. */
  vialsRequestable: number;
  demo: boolean;
  synthetic: boolean;
  qc: QcRow[];
}

const batchColumns = {
  id: true,
  lineId: true,
  number: true,
  type: true,
  passage: true,
  productionDate: true,
  grade: true,
  releaseStatus: true,
  vialsAvailable: true,
  demo: true,
  synthetic: true,
} as const;

const qcColumns = {
  test: true,
  method: true,
  specification: true,
  result: true,
  outcome: true,
  testedOn: true,
  testedBy: true,
  reviewedBy: true,
} as const;

type BatchRow = Omit<BatchSummary, 'qc' | 'vialsRequestable'> & { id: number; lineId: number; qcResults: QcRow[] };

function toBatchSummary(row: BatchRow): BatchSummary {
  const { id: _id, lineId: _lineId, qcResults: qc, ...batch } = row;
  return { ...batch, vialsRequestable: requestableVials(batch), qc };
}

export interface LinePage {
  name: string;
  category: LineCategory;
  /** What the provider declared (import data). */
  declaredAvailability: (typeof lines.$inferSelect)['availability'];
  /** What the catalog says: derived from the stock (src/lib/availability.ts). */
  availability: LineAvailability;
  demo: boolean;
  synthetic: boolean;
  dataSource: string | null;
  entryVersion: number;
  updatedAt: Date;
  synonyms: string[];
  identifiers: { source: string; value: string; url?: string }[];
  provider: { name: string; country: string | null; url: string | null } | null;
  provenance: {
    depositor: string | null;
    generatingInstitute: string | null;
    country: string | null;
    derivationDate: string | null;
    sourceTissue: string | null;
    sourceCellType: string | null;
    cellTypeOntologyId: string | null;
    reprogrammingMethod: string | null;
    vectorType: string | null;
  };
  /** A summary only: the donor's pseudonymous code is staff-only and never read here. */
  donor: {
    sex: 'female' | 'male' | 'unknown';
    ageBand: string | null;
    ethnicity: string | null;
    hla: string | null;
  } | null;
  diseases: { name: string; nameZh: string | null; ontologyId: string | null; note: string | null }[];
  modifications: { type: string; gene: string | null; variant: string | null; zygosity: string }[];
  characterisations: { test: string; method: string | null; result: string; passed: boolean | null }[];
  culture: {
    gmp: boolean;
    xenoFree: boolean;
    medium: string | null;
    matrix: string | null;
    feeder: string | null;
    passageMethod: string | null;
    karyotype: string | null;
  };
  terms: { consentScope: string | null; useRestrictions: string[]; agreement: string | null };
  publications: { reference: string; title: string | null; url?: string }[];
  parent: { name: string; category: LineCategory } | null;
  derived: { name: string; category: LineCategory }[];
  clinicalProducts: RelatedClinicalProducts;
  batches: BatchSummary[];
}

/** What the prepared page queries are given on each run. */
const param = { name: sql.placeholder('name'), lineId: sql.placeholder('lineId'), number: sql.placeholder('number') };

/**
 * The page queries, built once per database handle and prepared by name. A
 * page is read thousands of times between changes; building its SQL (drizzle's
 * relational builder) and planning it (PostgreSQL, per connection) cost more
 * than running it.
 */
function preparePageQueries(db: Database) {
  return {
    line: db.query.lines
      .findFirst({
        // One lookup form for names: the unique index is on lower(name); the exact spelling is checked on the one row it finds.
        where: (t, { and, eq }) =>
          and(eq(t.status, 'published'), sql`lower(${t.name}) = lower(${param.name})`, eq(t.name, param.name)),
        columns: {
          record: false,
          recordDigest: false,
          donorId: false,
          providerId: false,
          status: false,
          createdAt: false,
        },
        with: {
          provider: { columns: { name: true, country: true, url: true } },
          donor: { columns: { sex: true, ageBand: true, ethnicity: true, hla: true } },
          parent: { columns: { name: true, category: true, status: true } },
          derived: {
            columns: { name: true, category: true },
            where: (t, { eq }) => eq(t.status, 'published'),
            orderBy: (t, { asc }) => asc(t.name),
          },
          synonyms: { columns: { synonym: true }, orderBy: (t, { asc }) => asc(t.synonym) },
          identifiers: {
            columns: { source: true, value: true },
            orderBy: (t, { asc }) => [asc(t.source), asc(t.value)],
          },
          diseases: {
            columns: { note: true },
            with: { disease: { columns: { nameEn: true, nameZh: true, ontologyId: true } } },
          },
          modifications: { columns: { type: true, gene: true, variant: true, zygosity: true } },
          characterisations: { columns: { test: true, method: true, result: true, passed: true } },
          publications: { columns: { reference: true, title: true } },
        },
      })
      .prepare('catalog_line_page'),
    lineBatches: db.query.batches
      .findMany({
        where: (t, { eq }) => eq(t.lineId, param.lineId),
        columns: batchColumns,
        with: { qcResults: { columns: qcColumns, orderBy: (t, { asc }) => [asc(t.position), asc(t.id)] } },
        orderBy: (t, { asc }) => [asc(t.productionDate), asc(t.number)],
      })
      .prepare('catalog_line_batches'),
    batch: db.query.batches
      .findFirst({
        where: (t, { and, eq }) => and(sql`lower(${t.number}) = lower(${param.number})`, eq(t.number, param.number)),
        columns: batchColumns,
        with: {
          line: { columns: { name: true, category: true, demo: true, status: true } },
          parent: { columns: { number: true } },
          qcResults: { columns: qcColumns, orderBy: (t, { asc }) => [asc(t.position), asc(t.id)] },
        },
      })
      .prepare('catalog_batch_page'),
  };
}

const pageQueries = new WeakMap<Database, ReturnType<typeof preparePageQueries>>();

function pageQueriesOf(db: Database) {
  let queries = pageQueries.get(db);
  if (!queries) {
    queries = preparePageQueries(db);
    pageQueries.set(db, queries);
  }
  return queries;
}

/**
 * Everything public about a published line, by its exact standard name; undefined otherwise.
 * Relational queries alias their tables, so filters and orders use the callbacks' columns.
 */
export async function getLinePage(db: Database, name: string): Promise<LinePage | undefined> {
  const line = await pageQueriesOf(db).line.execute({ name });
  if (!line) return undefined;
  const parent =
    line.parent?.status === 'published' ? { name: line.parent.name, category: line.parent.category } : null;
  const diseaseNames = line.diseases.map((d) => d.disease.nameEn);
  const [lineBatches, clinical] = await Promise.all([
    pageQueriesOf(db).lineBatches.execute({ lineId: line.id }),
    relatedClinicalProducts(db, { category: line.category, parentCategory: parent?.category, diseases: diseaseNames }),
  ]);
  const batchSummaries = lineBatches.map(toBatchSummary);
  return {
    name: line.name,
    category: line.category,
    declaredAvailability: line.availability,
    availability: deriveAvailability(line.availability, batchSummaries),
    demo: line.demo,
    synthetic: line.synthetic,
    dataSource: line.dataSource,
    entryVersion: line.entryVersion,
    updatedAt: line.updatedAt,
    synonyms: line.synonyms.map((s) => s.synonym),
    identifiers: line.identifiers.map((i) => ({ ...i, url: identifierUrl(i.source, i.value) })),
    provider: line.provider ?? null,
    provenance: {
      depositor: line.depositor,
      generatingInstitute: line.generatingInstitute,
      country: line.country,
      derivationDate: line.derivationDate,
      sourceTissue: line.sourceTissue,
      sourceCellType: line.sourceCellType,
      cellTypeOntologyId: line.cellTypeOntologyId,
      reprogrammingMethod: line.reprogrammingMethod,
      vectorType: line.vectorType,
    },
    donor: line.donor ?? null,
    diseases: line.diseases
      .map((d) => ({
        name: d.disease.nameEn,
        nameZh: d.disease.nameZh,
        ontologyId: d.disease.ontologyId,
        note: d.note,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    modifications: line.modifications,
    characterisations: line.characterisations,
    culture: {
      gmp: line.gmp,
      xenoFree: line.xenoFree,
      medium: line.cultureMedium,
      matrix: line.cultureMatrix,
      feeder: line.feeder,
      passageMethod: line.passageMethod,
      karyotype: line.karyotype,
    },
    terms: { consentScope: line.consentScope, useRestrictions: line.useRestrictions, agreement: line.agreement },
    publications: line.publications.map((p) => ({ ...p, url: publicationUrl(p.reference) })),
    parent,
    derived: line.derived,
    clinicalProducts: clinical,
    batches: batchSummaries,
  };
}

export interface BatchPage extends BatchSummary {
  line: { name: string; category: LineCategory; demo: boolean };
  parentBatch: string | null;
}

/** A batch of a published line by its exact number, with its QC results in certificate order. */
export async function getBatchPage(db: Database, number: string): Promise<BatchPage | undefined> {
  const batch = await pageQueriesOf(db).batch.execute({ number });
  if (batch?.line.status !== 'published') return undefined;
  const { line, parent, ...rest } = batch;
  return {
    ...toBatchSummary(rest),
    line: { name: line.name, category: line.category, demo: line.demo },
    parentBatch: parent?.number ?? null,
  };
}

/** A batch number in any case -> its stored spelling (batches of hidden lines do not exist). */
export async function resolveBatchNumber(db: Database, text: string): Promise<string | undefined> {
  const [row] = await db
    .select({ number: batches.number })
    .from(batches)
    .innerJoin(lines, eq(lines.id, batches.lineId))
    .where(and(published, sql`lower(${batches.number}) = lower(${text.trim()})`))
    .limit(1);
  return row?.number;
}

/** What a public address names: the record, another address it has moved to, or nothing. */
export type Located<T> = { status: 'found'; page: T } | { status: 'moved'; to: string } | { status: 'missing' };

export async function locateLine(db: Database, text: string): Promise<Located<LinePage>> {
  const page = await getLinePage(db, text);
  if (page) return { status: 'found', page };
  const to = await resolveLineIdentifier(db, text);
  return to && to !== text ? { status: 'moved', to } : { status: 'missing' };
}

export async function locateBatch(db: Database, text: string): Promise<Located<BatchPage>> {
  const page = await getBatchPage(db, text);
  if (page) return { status: 'found', page };
  const to = await resolveBatchNumber(db, text);
  return to && to !== text ? { status: 'moved', to } : { status: 'missing' };
}

export interface Count {
  key: string | null;
  /** Chinese label where the data has one (disease names). */
  labelZh?: string | null;
  count: number;
}

export interface CatalogStatistics {
  lines: number;
  batches: number;
  byCategory: Count[];
  byDisease: Count[];
  byProvider: Count[];
  byGrade: Count[];
  byAvailability: Count[];
}

/** Counts of published lines (and of their batches, for grade); the bars of /statistics. */
export async function getCatalogStatistics(db: Database): Promise<CatalogStatistics> {
  const n = sql<number>`count(*)::int`;
  const publishedBatches = db
    .select({ grade: batches.grade })
    .from(batches)
    .innerJoin(lines, and(eq(lines.id, batches.lineId), published))
    .as('published_batches');
  const [totals, byCategory, byDisease, byProvider, byGrade, byAvailability] = await Promise.all([
    db
      .select({ lines: n, batches: sql<number>`(SELECT count(*)::int FROM ${publishedBatches})` })
      .from(lines)
      .where(published),
    db
      .select({ key: lines.category, count: n })
      .from(lines)
      .where(published)
      .groupBy(lines.category)
      .orderBy(sql`2 DESC`, sql`1`),
    // Lines with no disease recorded count under `null` (healthy donors and unannotated lines).
    db
      .select({ key: diseases.nameEn, labelZh: diseases.nameZh, count: sql<number>`count(DISTINCT ${lines.id})::int` })
      .from(lines)
      .leftJoin(lineDiseases, eq(lineDiseases.lineId, lines.id))
      .leftJoin(diseases, eq(diseases.id, lineDiseases.diseaseId))
      .where(published)
      .groupBy(diseases.id, diseases.nameEn, diseases.nameZh)
      .orderBy(sql`3 DESC`, sql`1 NULLS LAST`),
    db
      .select({ key: providers.name, count: n })
      .from(lines)
      .leftJoin(providers, eq(providers.id, lines.providerId))
      .where(published)
      .groupBy(providers.name)
      .orderBy(sql`2 DESC`, sql`1 NULLS LAST`),
    db
      .select({ key: publishedBatches.grade, count: n })
      .from(publishedBatches)
      .groupBy(publishedBatches.grade)
      .orderBy(sql`2 DESC`, sql`1`),
    availabilityCounts(db),
  ]);
  return {
    lines: totals[0]!.lines,
    batches: totals[0]!.batches,
    byCategory,
    byDisease,
    byProvider,
    byGrade,
    byAvailability,
  };
}

/** Lines by what the catalog says of their availability: the same rule as search and the line page. */
async function availabilityCounts(db: Database): Promise<Count[]> {
  const rows = await db.execute<{
    availability: string;
    stock: { releaseStatus: string; vialsAvailable: number }[] | null;
  }>(sql`
    SELECT l.availability,
           (SELECT json_agg(json_build_object('releaseStatus', b.release_status, 'vialsAvailable', b.vials_available)) FROM batches b WHERE b.line_id = l.id) AS stock
    FROM lines l WHERE l.status = 'published'`);
  const counts = new Map<string, number>();
  for (const r of rows.rows) {
    const { status } = deriveAvailability(r.availability, r.stock ?? []);
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return stockAvailabilities
    .filter((k) => counts.has(k))
    .map((key) => ({ key, count: counts.get(key)! }))
    .sort((a, b) => b.count - a.count);
}

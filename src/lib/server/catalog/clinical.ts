/**
 * hPSC-derived products in clinical trials: loading the reference table and
 * reading it for the /clinical page.
 */
import { and, asc, desc, ilike, inArray, or, sql, type SQL } from 'drizzle-orm';
import type pg from 'pg';
import type { Database } from '#db/client.ts';
import type { LineCategory } from '#db/schema/catalog.ts';
import { clinicalProducts, type ClinicalProduct } from '#db/schema/clinical.ts';
import { trialRegistry } from '#schemas/catalog-vocabulary.ts';
import { diseaseVocabulary } from '#schemas/disease-vocabulary.ts';
import { parseTsv } from '#lib/delimited.ts';

/** Country spellings of the source table -> ISO 3166-1 alpha-2. */
const countryCodes: Record<string, string> = { UK: 'GB', KOR: 'KR', IRAN: 'IR' };

/** Loads the TSV transcribed from the review (seed/data/clinical-products.tsv); idempotent. */
export async function loadClinicalProducts(pool: pg.Pool, tsv: string): Promise<number> {
  const [head, ...rows] = parseTsv(tsv);
  const h = head!.cells;
  const records = rows.map((r) => Object.fromEntries(h.map((c, i) => [c, (r.cells[i] ?? '').trim()])));
  const values = records.map((r) => [
    r.product!,
    r.product_type!,
    r.source!,
    r.indication!,
    r.sponsor || null,
    r.trial_id || null,
    r.trial_id ? (trialRegistry(r.trial_id)?.name ?? null) : null,
    r.phase || null,
    countryCodes[r.nation!.toUpperCase()] ?? r.nation!.toUpperCase(),
    r.start_year ? Number(r.start_year) : null,
    r.table ? Number(r.table) : null,
  ]);
  const result = await pool.query(
    `INSERT INTO clinical_products (product, product_type, source_cell_type, indication, sponsor, trial_id, registry, phase, country, start_year, source_table)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::int[])
     ON CONFLICT (product, trial_id) DO NOTHING`,
    Array.from({ length: 11 }, (_, k) => values.map((v) => v[k])),
  );
  return result.rowCount ?? 0;
}

export interface ClinicalFilters {
  q?: string;
  indication?: string;
  source?: string;
  phase?: string;
  country?: string;
}

/**
 * English words of the diseases a Chinese text names (`帕金森病`, `渐冻症`): the
 * table's indications are in English, so a Chinese query is matched through the vocabulary.
 */
export function englishDiseaseWords(text: string): string[] {
  if (!/\p{Script=Han}/u.test(text)) return [];
  const han = (w: string) => /\p{Script=Han}/u.test(w);
  const named = diseaseVocabulary.filter((d) =>
    [d.zh, ...d.synonyms].some((w) => han(w) && (text.includes(w) || w.includes(text.trim()))),
  );
  // Whole names and abbreviations (Parkinson's disease, PD), not single words: "sclerosis" alone would also find multiple sclerosis.
  return diseaseNamesForTrials(named.map((d) => d.en));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const indicationNames = (names: string[]) =>
  sql`${clinicalProducts.indication} ~* ${`\\m(${names.map(escapeRegExp).join('|')})\\M`}`;

/** A product as shown: a trial number the source gives for two different products identifies neither, so it is withheld. */
export type ClinicalProductView = ClinicalProduct & { trialIdShared: boolean };

async function sharedTrialIds(db: Database): Promise<Set<string>> {
  const rows = await db
    .select({ id: clinicalProducts.trialId })
    .from(clinicalProducts)
    .where(sql`${clinicalProducts.trialId} IS NOT NULL`)
    .groupBy(clinicalProducts.trialId)
    .having(sql`count(DISTINCT ${clinicalProducts.product}) > 1`);
  return new Set(rows.map((r) => r.id!));
}

async function withoutSharedTrialIds(db: Database, rows: ClinicalProduct[]): Promise<ClinicalProductView[]> {
  const shared = rows.some((r) => r.trialId) ? await sharedTrialIds(db) : new Set<string>();
  return rows.map((r) => {
    const isShared = !!r.trialId && shared.has(r.trialId);
    return {
      ...r,
      trialId: isShared ? null : r.trialId,
      registry: isShared ? null : r.registry,
      trialIdShared: isShared,
    };
  });
}

export async function listClinicalProducts(db: Database, f: ClinicalFilters): Promise<ClinicalProductView[]> {
  const where: SQL[] = [];
  if (f.q) {
    const like = `%${f.q.replace(/[%_\\]/g, '\\$&')}%`;
    const zhWords = englishDiseaseWords(f.q);
    where.push(
      or(
        ilike(clinicalProducts.product, like),
        ilike(clinicalProducts.indication, like),
        ilike(clinicalProducts.sponsor, like),
        ilike(clinicalProducts.productType, like),
        ilike(clinicalProducts.trialId, like),
        ...(zhWords.length ? [indicationNames(zhWords)] : []),
      )!,
    );
  }
  if (f.indication) {
    const zhWords = englishDiseaseWords(f.indication);
    where.push(zhWords.length ? indicationNames(zhWords) : ilike(clinicalProducts.indication, `%${f.indication}%`));
  }
  if (f.source) where.push(sql`${clinicalProducts.sourceCellType} = ${f.source}`);
  if (f.phase) where.push(sql`${clinicalProducts.phase} = ${f.phase}`);
  if (f.country) where.push(sql`${clinicalProducts.country} = ${f.country}`);
  const rows = await db
    .select()
    .from(clinicalProducts)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(clinicalProducts.startYear), asc(clinicalProducts.product));
  return withoutSharedTrialIds(db, rows);
}

/** Distinct values for the filter menus. */
export async function clinicalFacets(db: Database) {
  const distinct = async (
    column: typeof clinicalProducts.phase | typeof clinicalProducts.sourceCellType | typeof clinicalProducts.country,
  ) =>
    (await db.selectDistinct({ v: column }).from(clinicalProducts).orderBy(asc(column)))
      .map((r) => r.v)
      .filter((v): v is string => !!v);
  return {
    source: await distinct(clinicalProducts.sourceCellType),
    phase: await distinct(clinicalProducts.phase),
    country: await distinct(clinicalProducts.country),
  };
}

/** The `source` values of the review that a line of this category could have been. */
const sourcesByCategory: Partial<Record<LineCategory, string[]>> = {
  hesc: ['hESC'],
  ipsc: ['hiPSC', 'iPSC', 'CiPSC'],
};

/**
 * The names a trial's indication may use for these diseases: each name with the
 * vocabulary's English synonyms and abbreviations (`Parkinson disease` ->
 * `Parkinson's disease`, `PD`). Whole names only: a shared word such as
 * "sclerosis" would tie ALS to multiple sclerosis.
 */
export function diseaseNamesForTrials(diseaseNames: string[]): string[] {
  const han = (w: string) => /\p{Script=Han}/u.test(w);
  return [
    ...new Set(
      diseaseNames.flatMap((name) => {
        const term = diseaseVocabulary.find((d) => d.en.toLowerCase() === name.toLowerCase());
        return term ? [term.en, ...term.synonyms.filter((w) => !han(w) && w.length >= 2)] : [name];
      }),
    ),
  ];
}

export interface RelatedClinicalProducts {
  /** `disease`: the indication names one of the line's diseases; `none`: nothing in trials relates to this line. */
  basis: 'disease' | 'none';
  items: ClinicalProductView[];
  /** How many match in all (items may be cut to `limit`). */
  total: number;
}

/**
 * Products in trials that relate to a line: those whose indication names one
 * of the line's diseases, products from the same kind of source cell first.
 * A line with no such disease has none: ten products that merely share a
 * starting cell type are not related to it.
 */
export async function relatedClinicalProducts(
  db: Database,
  line: { category: LineCategory; parentCategory?: LineCategory; diseases: string[] },
  limit = 10,
): Promise<RelatedClinicalProducts> {
  const category = line.category === 'derived' ? line.parentCategory : line.category;
  const sources = category
    ? (sourcesByCategory[category] ?? [])
    : [...sourcesByCategory.hesc!, ...sourcesByCategory.ipsc!];
  const sameSource = sources.length ? inArray(clinicalProducts.sourceCellType, sources) : sql`false`;
  const names = diseaseNamesForTrials(line.diseases);
  let basis: RelatedClinicalProducts['basis'] = 'none';
  let where: SQL | undefined;
  if (names.length) {
    const byDisease = indicationNames(names);
    const [hits] = await db.select({ n: sql<number>`count(*)::int` }).from(clinicalProducts).where(byDisease);
    if (hits!.n > 0) [basis, where] = ['disease', byDisease];
  }
  if (!where) return { basis: 'none', items: [], total: 0 };
  const [items, [count]] = await Promise.all([
    db
      .select()
      .from(clinicalProducts)
      .where(where)
      .orderBy(sql`${sameSource} DESC`, desc(clinicalProducts.startYear), asc(clinicalProducts.product))
      .limit(limit),
    db.select({ n: sql<number>`count(*)::int` }).from(clinicalProducts).where(where),
  ]);
  return { basis, items: await withoutSharedTrialIds(db, items), total: count!.n };
}

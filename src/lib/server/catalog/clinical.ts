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
import { parseTsv } from './import/delimited.ts';

/** Country spellings of the source table -> ISO 3166-1 alpha-2. */
const countryCodes: Record<string, string> = { UK: 'GB', KOR: 'KR', IRAN: 'IR' };

/** Loads the TSV transcribed from the review (seed/data/clinical-products.tsv); idempotent. */
export async function loadClinicalProducts(pool: pg.Pool, tsv: string): Promise<number> {
  const [head, ...rows] = parseTsv(tsv);
  const h = head!.cells;
  const records = rows.map((r) => Object.fromEntries(h.map((c, i) => [c, (r.cells[i] ?? '').trim()])));
  const values = records.map((r) => [
    r.product!, r.product_type!, r.source!, r.indication!, r.sponsor || null, r.trial_id || null,
    r.trial_id ? (trialRegistry(r.trial_id)?.name ?? null) : null, r.phase || null,
    countryCodes[r.nation!.toUpperCase()] ?? r.nation!.toUpperCase(), r.start_year ? Number(r.start_year) : null,
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

export async function listClinicalProducts(db: Database, f: ClinicalFilters): Promise<ClinicalProduct[]> {
  const where: SQL[] = [];
  if (f.q) {
    const like = `%${f.q.replace(/[%_\\]/g, '\\$&')}%`;
    where.push(or(ilike(clinicalProducts.product, like), ilike(clinicalProducts.indication, like), ilike(clinicalProducts.sponsor, like), ilike(clinicalProducts.productType, like), ilike(clinicalProducts.trialId, like))!);
  }
  if (f.indication) where.push(ilike(clinicalProducts.indication, `%${f.indication}%`));
  if (f.source) where.push(sql`${clinicalProducts.sourceCellType} = ${f.source}`);
  if (f.phase) where.push(sql`${clinicalProducts.phase} = ${f.phase}`);
  if (f.country) where.push(sql`${clinicalProducts.country} = ${f.country}`);
  return db
    .select()
    .from(clinicalProducts)
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(clinicalProducts.startYear), asc(clinicalProducts.product));
}

/** Distinct values for the filter menus. */
export async function clinicalFacets(db: Database) {
  const distinct = async (column: typeof clinicalProducts.phase | typeof clinicalProducts.sourceCellType | typeof clinicalProducts.country) =>
    (await db.selectDistinct({ v: column }).from(clinicalProducts).orderBy(asc(column))).map((r) => r.v).filter((v): v is string => !!v);
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

/** Words too generic to tie a disease to a trial's indication ("disease", "syndrome" ...). */
const genericWords = new Set(['disease', 'syndrome', 'disorder', 'mellitus', 'deficiency', 'type']);

/** Distinctive words of disease names: `Parkinson disease` -> `parkinson`, which also matches "Parkinson's disease (PD)". */
export function diseaseKeywords(diseaseNames: string[]): string[] {
  const words = diseaseNames.flatMap((n) => n.toLowerCase().split(/[^a-z]+/)).filter((w) => w.length >= 5 && !genericWords.has(w));
  return [...new Set(words)];
}

export interface RelatedClinicalProducts {
  /** `disease`: the indication names one of the line's diseases; `source`: same kind of starting cell; `none`. */
  basis: 'disease' | 'source' | 'none';
  items: ClinicalProduct[];
  /** How many match in all (items may be cut to `limit`). */
  total: number;
}

/**
 * Products in trials that relate to a line: by disease first (the indication
 * names it, same source cell type listed first), else by source cell type
 * (hESC lines -> hESC-derived products). MSC lines have none: the review
 * covers pluripotent sources only.
 */
export async function relatedClinicalProducts(
  db: Database,
  line: { category: LineCategory; parentCategory?: LineCategory; diseases: string[] },
  limit = 10,
): Promise<RelatedClinicalProducts> {
  const category = line.category === 'derived' ? line.parentCategory : line.category;
  const sources = category ? (sourcesByCategory[category] ?? []) : [...sourcesByCategory.hesc!, ...sourcesByCategory.ipsc!];
  const sameSource = sources.length ? inArray(clinicalProducts.sourceCellType, sources) : sql`false`;
  const words = diseaseKeywords(line.diseases);
  let basis: RelatedClinicalProducts['basis'] = 'none';
  let where: SQL | undefined;
  if (words.length) {
    // \m is a word start in PostgreSQL regular expressions; the words are letters only.
    const byDisease = sql`${clinicalProducts.indication} ~* ${`\\m(${words.join('|')})`}`;
    const [hits] = await db.select({ n: sql<number>`count(*)::int` }).from(clinicalProducts).where(byDisease);
    if (hits!.n > 0) [basis, where] = ['disease', byDisease];
  }
  if (basis === 'none' && sources.length) [basis, where] = ['source', sameSource];
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
  return { basis, items, total: count!.n };
}

/**
 * hPSC-derived products in clinical trials: loading the reference table and
 * reading it for the /clinical page.
 */
import { and, asc, ilike, or, sql, type SQL } from 'drizzle-orm';
import type pg from 'pg';
import type { Database } from '../../../db/client.ts';
import { clinicalProducts, type ClinicalProduct } from '../../../db/schema/clinical.ts';
import { trialRegistry } from '../schemas/catalog-vocabulary.ts';
import { parseTsv } from './import/delimited.ts';

/** Country spellings of the source table -> ISO 3166-1 alpha-2. */
const countryCodes: Record<string, string> = { UK: 'GB', KOR: 'KR', IRAN: 'IR' };

/** Loads the TSV transcribed from the review (db/seed/data/clinical-products.tsv); idempotent. */
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

/**
 * Chinese pages are Chinese for controlled values, clinical-product search
 * understands Chinese disease names, and a trial number the source gives to
 * two products is not shown for either.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadClinicalReference, loadDemoCatalog } from '#seed/load-demo.ts';
import { getLinePage } from '#server/catalog/catalog.ts';
import { listClinicalProducts } from '#server/catalog/clinical.ts';
import { controlledLabel } from '#lib/controlled-labels.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
  await loadDemoCatalog(t.pool);
  await loadClinicalReference(t.pool);
}, 120_000);
afterAll(async () => t?.close());

const han = /\p{Script=Han}/u;
/** Values that read the same in Chinese (assay names written in Latin letters everywhere). */
const sameInChinese = new Set(['qPCR', 'RT-qPCR', 'HIV-1/2', '≥ 70%', '< 0.5 EU/mL']);

describe('controlled values have Chinese labels', () => {
  test('every QC test, method, specification and standard result of the demo batches', async () => {
    const { rows } = await t.pool.query<{ v: string }>(`
      SELECT DISTINCT v FROM (SELECT test AS v FROM qc_results UNION SELECT method FROM qc_results UNION SELECT specification FROM qc_results
                              UNION SELECT result FROM qc_results WHERE result !~ '^[0-9.]+( EU/mL|%)$' AND result !~ '%.*/') x WHERE v IS NOT NULL`);
    const missing = rows.map((r) => r.v).filter((v) => !sameInChinese.has(v) && !han.test(controlledLabel('zh', v)));
    expect(missing).toEqual([]);
  });

  test('characterisation tests and methods, zygosity, modification types, feeder and vector type of the demo lines', async () => {
    const { rows } = await t.pool.query<{ v: string }>(`
      SELECT DISTINCT v FROM (SELECT test AS v FROM characterisations UNION SELECT method FROM characterisations
        UNION SELECT zygosity FROM genetic_modifications UNION SELECT type FROM genetic_modifications
        UNION SELECT feeder FROM lines UNION SELECT vector_type FROM lines UNION SELECT source_tissue FROM lines
        UNION SELECT source_cell_type FROM lines WHERE source_cell_type NOT LIKE '%(%' AND source_cell_type NOT LIKE '%,%'
        UNION SELECT reprogramming_method FROM lines) x WHERE v IS NOT NULL`);
    expect(rows.length).toBeGreaterThan(10);
    const missing = rows.map((r) => r.v).filter((v) => !han.test(controlledLabel('zh', v)));
    expect(missing).toEqual([]);
  });

  test('free text stays as written, and English is untouched', () => {
    expect(controlledLabel('zh', 'OCT4 98%, SSEA-4 97%')).toBe('OCT4 98%, SSEA-4 97%');
    expect(controlledLabel('en', 'Mycoplasma')).toBe('Mycoplasma');
    expect(controlledLabel('zh', 'Match (16/16 loci)')).toBe('一致（16/16 个位点）');
  });
});

describe('clinical products', () => {
  test.each([
    ['帕金森病', /parkinson/i],
    ['帕金森', /parkinson/i],
    ['渐冻症', /amyotrophic lateral sclerosis|\bALS\b/i],
    ['黄斑变性', /macular degeneration/i],
  ])('a Chinese disease name (%s) finds the products for it, and only those', async (q, indication) => {
    const products = await listClinicalProducts(t.db, { q });
    expect(products.length).toBeGreaterThan(0);
    for (const p of products) expect(p.indication).toMatch(indication);
    const all = await listClinicalProducts(t.db, {});
    expect(products.length).toBe(all.filter((p) => indication.test(p.indication)).length);
    expect((await listClinicalProducts(t.db, { indication: q })).length).toBe(products.length);
  });

  test('a trial number given for two different products is shown for neither', async () => {
    const { rows } = await t.pool.query(
      `SELECT trial_id FROM clinical_products WHERE trial_id IS NOT NULL GROUP BY 1 HAVING count(DISTINCT product) > 1`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const all = await listClinicalProducts(t.db, {});
    for (const { trial_id } of rows) {
      expect(all.filter((p) => p.trialId === trial_id)).toEqual([]);
    }
    expect(all.filter((p) => p.trialIdShared).length).toBe(
      (
        await t.pool.query(`SELECT count(*)::int AS n FROM clinical_products WHERE trial_id = ANY($1)`, [
          rows.map((r) => r.trial_id),
        ])
      ).rows[0].n,
    );
    const ids = all.map((p) => p.trialId).filter(Boolean);
    expect(new Set(ids).size, 'every trial number shown belongs to one product').toBe(ids.length);
  });

  test('a line page lists only products whose indication names its disease', async () => {
    const page = (await getLinePage(t.db, 'DEMOi002-A'))!;
    for (const p of page.clinicalProducts.items) expect(p.indication).toMatch(/amyotrophic|ALS/i);
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadClinicalReference, loadDemoCatalog } from '#seed/load-demo.ts';
import {
  findLineByName,
  getBatchPage,
  getCatalogStatistics,
  getLinePage,
  locateBatch,
  locateLine,
  resolveLineIdentifier,
} from '#server/catalog/catalog.ts';
import { batchJson, lineJson, lineJsonLd, recordJson } from '#server/catalog/catalog-json.ts';
import { recordResponse } from '#server/platform/http.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
  await loadDemoCatalog(t.pool);
  await loadClinicalReference(t.pool);
}, 120_000);
afterAll(async () => t?.close());

const sqlRows = async <T = Record<string, unknown>>(text: string, values: unknown[] = []) =>
  (await t.pool.query(text, values)).rows as T[];
const sqlCount = async (text: string) => (await sqlRows<{ n: number }>(text))[0]!.n;

/** Hides a line for the duration of one test. */
async function whileHidden(name: string, run: () => Promise<void>) {
  await t.pool.query(`UPDATE lines SET status = 'hidden' WHERE name = $1`, [name]);
  try {
    await run();
  } finally {
    await t.pool.query(`UPDATE lines SET status = 'published' WHERE name = $1`, [name]);
  }
}

describe('resolving the names people use to the standard name', () => {
  test('a synonym, an identifier value (with or without its source) and a case variant resolve', async () => {
    expect(await resolveLineIdentifier(t.db, 'WA09')).toBe('WAe009-A');
    expect(await resolveLineIdentifier(t.db, 'h9')).toBe('WAe009-A');
    expect(await resolveLineIdentifier(t.db, 'SAMEA2474456'), 'BioSamples id').toBe('HPSI1113i-eofe_1');
    expect(await resolveLineIdentifier(t.db, 'Cellosaurus:CVCL_9773')).toBe('WAe009-A');
    expect(await resolveLineIdentifier(t.db, 'wae009-a')).toBe('WAe009-A');
    expect(await findLineByName(t.db, 'WAE009-A')).toMatchObject({ name: 'WAe009-A' });
  });

  test('unknown text resolves to nothing', async () => {
    expect(await resolveLineIdentifier(t.db, 'no-such-line')).toBeUndefined();
    expect(await resolveLineIdentifier(t.db, '')).toBeUndefined();
  });

  test('locateLine: the standard name is found, a variant has moved, nonsense is missing', async () => {
    expect(await locateLine(t.db, 'WAe009-A')).toMatchObject({ status: 'found', page: { name: 'WAe009-A' } });
    expect(await locateLine(t.db, 'WA09')).toEqual({ status: 'moved', to: 'WAe009-A' });
    expect(await locateLine(t.db, 'WAE009-a')).toEqual({ status: 'moved', to: 'WAe009-A' });
    expect(await locateLine(t.db, 'nothing-here')).toEqual({ status: 'missing' });
  });

  test('a batch number in another case has moved to its stored spelling', async () => {
    const { number } = (await sqlRows<{ number: string }>(`SELECT number FROM batches ORDER BY id LIMIT 1`))[0]!;
    expect(await locateBatch(t.db, number.toLowerCase())).toEqual({ status: 'moved', to: number });
    expect(await locateBatch(t.db, number)).toMatchObject({ status: 'found', page: { number } });
    expect(await locateBatch(t.db, 'NO-SUCH-BATCH')).toEqual({ status: 'missing' });
  });
});

describe('hidden lines are not public', () => {
  test('neither by name, nor by synonym, nor through their batches, nor as a parent or child', async () => {
    const [batch] = await sqlRows<{ number: string }>(
      `SELECT b.number FROM batches b JOIN lines l ON l.id = b.line_id WHERE l.name = 'DEMOi001-A' LIMIT 1`,
    );
    expect(batch, 'the demo catalog gives DEMOi001-A batches').toBeDefined();
    await whileHidden('DEMOi001-A', async () => {
      expect(await getLinePage(t.db, 'DEMOi001-A')).toBeUndefined();
      expect(await findLineByName(t.db, 'demoi001-a')).toBeUndefined();
      expect(await resolveLineIdentifier(t.db, 'PD iPSC demo 1')).toBeUndefined();
      expect(await locateLine(t.db, 'DEMOi001-A')).toEqual({ status: 'missing' });
      expect(await getBatchPage(t.db, batch!.number)).toBeUndefined();
      expect(await locateBatch(t.db, batch!.number.toLowerCase())).toEqual({ status: 'missing' });
      const child = await getLinePage(t.db, 'DEMOi001-A-1');
      expect(child?.parent, 'a hidden parent is not named').toBeNull();
    });
    const visible = await getLinePage(t.db, 'DEMOi001-A');
    expect(visible?.derived.map((d) => d.name)).toEqual(['DEMOi001-A-1', 'DEMOi004-A']);
  });
});

describe('the line page', () => {
  test('carries identity, identifiers with links out, donor summary without the code, and batches with QC', async () => {
    const page = await getLinePage(t.db, 'DEMOi001-A');
    expect(page).toBeDefined();
    expect(page!.synonyms).toContain('PD iPSC demo 1');
    expect(page!.demo).toBe(true);
    expect(Object.keys(page!.donor!).sort(), 'a summary: no code, no id').toEqual([
      'ageBand',
      'ethnicity',
      'hla',
      'sex',
    ]);
    expect(page!.donor).toMatchObject({ sex: 'male', ageBand: '60-64' });
    expect((await getLinePage(t.db, 'DEMOi002-A'))!.donor).toEqual({
      sex: 'female',
      ageBand: '50-54',
      ethnicity: 'Han Chinese',
      hla: null,
    });
    expect(page!.diseases).toEqual([
      { name: 'Parkinson disease', nameZh: '帕金森病', ontologyId: 'MONDO:0005180', note: 'SNCA A53T carrier' },
    ]);
    expect(page!.modifications).toEqual([
      { type: 'variant', gene: 'SNCA', variant: 'NM_000345.4:c.157G>A (p.Ala53Thr)', zygosity: 'heterozygous' },
    ]);
    expect(JSON.stringify(page), 'the donor code never leaves the database').not.toContain('D-PD-0001');
    expect(page!.batches.length).toBeGreaterThan(0);
    expect(page!.batches[0]!.qc.length).toBeGreaterThan(0);

    const wa09 = await getLinePage(t.db, 'WAe009-A');
    expect(wa09!.identifiers).toContainEqual({
      source: 'hPSCreg',
      value: 'WAe009-A',
      url: 'https://hpscreg.eu/cell-line/WAe009-A',
    });
    expect(wa09!.identifiers).toContainEqual({
      source: 'Cellosaurus',
      value: 'CVCL_9773',
      url: 'https://www.cellosaurus.org/CVCL_9773',
    });
    expect(wa09!.identifiers).toContainEqual({ source: 'WiCell', value: 'WA09', url: undefined });
    expect(wa09!.publications).toEqual([
      { reference: 'PMID:9804556', title: null, url: 'https://pubmed.ncbi.nlm.nih.gov/9804556/' },
    ]);
    expect(wa09!.dataSource).toMatch(/hPSCreg and Cellosaurus/);
  });

  test('related clinical products: by disease for a Parkinson line, none for a healthy hES line or an MSC line', async () => {
    const pd = (await getLinePage(t.db, 'DEMOi001-A'))!.clinicalProducts;
    expect(pd.basis).toBe('disease');
    expect(pd.items.length).toBeGreaterThan(0);
    expect(pd.items.every((p) => /parkinson/i.test(p.indication))).toBe(true);
    const pdTotal = await sqlCount(
      `SELECT count(*)::int AS n FROM clinical_products WHERE indication ILIKE '%parkinson%'`,
    );
    expect(pd.total).toBe(pdTotal);
    expect(['hiPSC', 'iPSC', 'CiPSC'], 'iPSC-sourced products are listed first').toContain(pd.items[0]!.sourceCellType);

    // Sharing a starting cell type does not make a trial product related to a line.
    expect((await getLinePage(t.db, 'WAe009-A'))!.clinicalProducts).toEqual({ basis: 'none', items: [], total: 0 });

    expect((await getLinePage(t.db, 'ASC52telo'))!.clinicalProducts).toEqual({ basis: 'none', items: [], total: 0 });
  });
});

describe('the batch page', () => {
  test('has QC rows in certificate order, the line, and no storage location', async () => {
    const [row] = await sqlRows<{ number: string; storage_location: string }>(
      `SELECT number, storage_location FROM batches WHERE storage_location IS NOT NULL ORDER BY id LIMIT 1`,
    );
    const page = await getBatchPage(t.db, row!.number);
    expect(page).toBeDefined();
    expect(page).not.toHaveProperty('storageLocation');
    expect(JSON.stringify(page)).not.toContain(row!.storage_location);
    const qc = await sqlRows<{ test: string }>(
      `SELECT q.test FROM qc_results q JOIN batches b ON b.id = q.batch_id WHERE b.number = $1 ORDER BY q.position, q.id`,
      [row!.number],
    );
    expect(page!.qc.map((q) => q.test)).toEqual(qc.map((q) => q.test));
    expect(page!.line.name).toBeTruthy();
  });
});

describe('catalog statistics', () => {
  test('agree with counts taken straight from SQL, and ignore hidden lines', async () => {
    const asMap = (rows: { key: string | null; count: number }[]) =>
      Object.fromEntries(rows.map((r) => [r.key ?? '(none)', r.count]));
    const check = async () => {
      const stats = await getCatalogStatistics(t.db);
      const lines = await sqlCount(`SELECT count(*)::int AS n FROM lines WHERE status = 'published'`);
      expect(stats.lines).toBe(lines);
      const batches = await sqlCount(
        `SELECT count(*)::int AS n FROM batches b JOIN lines l ON l.id = b.line_id WHERE l.status = 'published'`,
      );
      expect(stats.batches).toBe(batches);
      const byCategory = await sqlRows<{ key: string; count: number }>(
        `SELECT category AS key, count(*)::int AS count FROM lines WHERE status = 'published' GROUP BY 1`,
      );
      expect(asMap(stats.byCategory)).toEqual(asMap(byCategory));
      const byGrade = await sqlRows<{ key: string; count: number }>(
        `SELECT b.grade AS key, count(*)::int AS count FROM batches b JOIN lines l ON l.id = b.line_id WHERE l.status = 'published' GROUP BY 1`,
      );
      expect(asMap(stats.byGrade)).toEqual(asMap(byGrade));
      // Availability is derived from the stock: "available" counts lines with vials in a released batch.
      const withReleasedVials = await sqlCount(
        `SELECT count(*)::int AS n FROM lines l WHERE status = 'published' AND EXISTS (SELECT 1 FROM batches b WHERE b.line_id = l.id AND b.release_status = 'released' AND b.vials_available > 0)`,
      );
      expect(stats.byAvailability.find((c) => c.key === 'available')?.count ?? 0).toBe(withReleasedVials);
      expect(stats.byAvailability.reduce((n, c) => n + c.count, 0)).toBe(lines);
      const byProvider = await sqlRows<{ key: string | null; count: number }>(
        `SELECT p.name AS key, count(*)::int AS count FROM lines l LEFT JOIN providers p ON p.id = l.provider_id WHERE l.status = 'published' GROUP BY 1`,
      );
      expect(asMap(stats.byProvider)).toEqual(asMap(byProvider));
      const byDisease = await sqlRows<{ key: string; count: number }>(
        `SELECT d.name_en AS key, count(DISTINCT ld.line_id)::int AS count FROM line_diseases ld JOIN diseases d ON d.id = ld.disease_id
         JOIN lines l ON l.id = ld.line_id WHERE l.status = 'published' GROUP BY 1`,
      );
      const noDisease = await sqlCount(
        `SELECT count(*)::int AS n FROM lines l WHERE l.status = 'published' AND NOT EXISTS (SELECT 1 FROM line_diseases ld WHERE ld.line_id = l.id)`,
      );
      expect(asMap(stats.byDisease)).toEqual({ ...asMap(byDisease), ...(noDisease ? { '(none)': noDisease } : {}) });
      return stats;
    };
    const before = await check();
    expect(before.lines).toBe(491);
    expect(before.batches).toBe(234);
    await whileHidden('WAe009-A', async () => {
      const hidden = await check();
      expect(hidden.lines).toBe(490);
      expect(hidden.batches).toBeLessThan(234);
    });
  });
});

describe('public JSON', () => {
  /** Every key at any depth of a JSON value. */
  const keysOf = (value: unknown): string[] =>
    value && typeof value === 'object'
      ? Object.entries(value).flatMap(([k, v]) => [...(Array.isArray(value) ? [] : [k]), ...keysOf(v)])
      : [];
  const staffOnly = [
    'storageLocation',
    'storage_location',
    'code',
    'donorId',
    'record',
    'recordDigest',
    'record_digest',
    'qcDigest',
    'status',
    'vialsReserved',
    'vialsShipped',
  ];

  test('line and batch JSON carry no staff-only field or value', async () => {
    const secrets = await sqlRows<{ code: string; storage_location: string; record_digest: string }>(
      `SELECT d.code, b.storage_location, l.record_digest FROM lines l JOIN donors d ON d.id = l.donor_id JOIN batches b ON b.line_id = l.id WHERE l.name = 'DEMOi001-A' LIMIT 1`,
    );
    const line = lineJson((await getLinePage(t.db, 'DEMOi001-A'))!, 'https://cells.example.org');
    const batch = batchJson((await getBatchPage(t.db, line.batches[0]!.number))!, 'https://cells.example.org');
    for (const json of [line, batch]) {
      const keys = keysOf(json);
      for (const key of staffOnly) expect(keys, key).not.toContain(key);
      const text = JSON.stringify(json);
      for (const value of Object.values(secrets[0]!)) expect(text).not.toContain(value);
    }
    expect(line).toMatchObject({
      name: 'DEMOi001-A',
      url: 'https://cells.example.org/lines/DEMOi001-A',
      demo: true,
      donor: { sex: 'male' },
    });
    expect(batch.line).toEqual({
      name: 'DEMOi001-A',
      category: 'ipsc',
      demo: true,
      url: 'https://cells.example.org/lines/DEMOi001-A',
    });
    expect(batch.qc.length).toBeGreaterThan(0);
  });

  test('the API answers a variant with a 308 to the standard name and an unknown name with a JSON 404', async () => {
    const moved = recordResponse(
      recordJson(
        await locateLine(t.db, 'WA09'),
        (to) => `/api/v1/lines/${to}`,
        () => ({}),
      ),
    );
    expect(moved.status).toBe(308);
    expect(moved.headers.get('location')).toBe('/api/v1/lines/WAe009-A');
    const missing = recordResponse(
      recordJson(
        await locateLine(t.db, 'nope'),
        (to) => to,
        () => ({}),
      ),
    );
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found', message: expect.any(String) });
  });

  test('the JSON-LD is valid JSON, names the line and cannot close its script element', async () => {
    const page = (await getLinePage(t.db, 'WAe009-A'))!;
    const text = lineJsonLd(
      { ...page, synonyms: [...page.synonyms, '</script><script>alert(1)</script>'] },
      'https://cells.example.org',
    );
    expect(text).not.toContain('</script>');
    const data = JSON.parse(text);
    expect(data).toMatchObject({
      '@context': 'https://schema.org',
      name: 'WAe009-A',
      url: 'https://cells.example.org/lines/WAe009-A',
    });
    expect(data.alternateName).toContain('WA09');
    expect(data.identifier).toContainEqual({
      '@type': 'PropertyValue',
      propertyID: 'Cellosaurus',
      value: 'CVCL_9773',
      url: 'https://www.cellosaurus.org/CVCL_9773',
    });
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { reindex } from '#search/reindex.ts';
import { parseSearchParams, type SearchParamsError } from '#schemas/search-params.ts';
import { importText } from '#server/catalog/import/import-file.ts';
import { searchLines } from '#server/search/search.ts';
import { collectExportRows, exportColumns } from '#server/search/export.ts';
import type { TestDatabase } from '../support/db.ts';
import { closeDemoCatalogSearch, openDemoCatalogSearch, type TestSearch } from '../support/search.ts';

let t: TestDatabase;
let s: TestSearch;

beforeAll(async () => ({ t, s } = await openDemoCatalogSearch()), 120_000);
afterAll(() => closeDemoCatalogSearch(t, s));

const search = (query: string) => searchLines(s.meili, s.prefix, parseSearchParams(new URLSearchParams(query)));
const names = async (query: string) => (await search(query)).hits.map((h) => h.name);

describe('finding lines in the demo catalog', () => {
  test.each([
    ['a typo', 'q=parkinsn', 'DEMOi001-A'],
    ['a typo and a category word', 'q=parkinsn+ipsc', 'DEMOi001-A'],
    ['an abbreviation (synonym)', 'q=ALS', 'DEMOi002-A'],
    ['another disease synonym', 'q=motor+neurone+disease', 'DEMOi002-A'],
    ['Chinese disease name', 'q=帕金森', 'DEMOi001-A'],
    ['Chinese disease name, full', 'q=肌萎缩侧索硬化', 'DEMOi002-A'],
    ['Chinese cell type', 'q=间充质干细胞', 'DEMO-UCMSC-01'],
    ['a cell-type synonym', 'q=mesenchymal+stromal', 'ASC52telo'],
    ['hES synonym for embryonic lines', 'q=hES', 'WAe009-A'],
    ['a Bardet-Biedl line by disease', 'q=bardet+biedl', 'HPSI1013i-aetc_1'],
  ])('%s: %s finds %s', async (_what, query, expected) => {
    expect(await names(`${query}&per_page=50`)).toContain(expected);
  });

  test.each([
    ['common name', 'WA09', 'WAe009-A'],
    ['hPSCreg name in another case', 'wae009-a', 'WAe009-A'],
    ['BioSamples id', 'SAMEA2474456', 'HPSI1113i-eofe_1'],
    ['ECACC catalogue number', '77650029', 'HPSI1113i-eofe_1'],
    ['Cellosaurus accession', 'CVCL_9773', 'WAe009-A'],
    ['HipSci name', 'HPSI1113i-eofe_1', 'HPSI1113i-eofe_1'],
    ['synonym with a digit', 'kolf2', 'KOLF2.1J'],
  ])('an exact identifier (%s: %s) ranks %s first, marked exact', async (_what, q, expected) => {
    const result = await search(`q=${encodeURIComponent(q)}`);
    expect(result.hits[0]?.name).toBe(expected);
    expect(result.hits[0]?.exact).toBe(true);
  });

  test('a batch number finds its line first', async () => {
    const { rows } = await t.pool.query(
      `SELECT b.number, l.name FROM batches b JOIN lines l ON l.id = b.line_id ORDER BY b.id LIMIT 1`,
    );
    const result = await search(`q=${rows[0].number}`);
    expect(result.hits[0]).toMatchObject({ name: rows[0].name, exact: true });
  });

  test('an identifier prefix finds exactly the lines it starts', async () => {
    const result = await search('q=HPSI0114i&per_page=100');
    const { rows } = await t.pool.query(
      `SELECT count(*)::int AS n FROM lines WHERE name ILIKE 'HPSI0114i%' AND status = 'published'`,
    );
    expect(result.total).toBe(rows[0].n);
    expect(result.hits.every((h) => h.name.startsWith('HPSI0114i'))).toBe(true);
  });

  test('matches are highlighted, and highlighted text is escaped', async () => {
    const result = await search('q=帕金森');
    expect(result.hits[0]!.highlight.diseases.join(' ')).toMatch(/<mark>|Parkinson/);
    expect(JSON.stringify(result.hits)).not.toMatch(/<script/);
  });
});

describe('filters and facets agree with the database', () => {
  test('category facet counts equal SQL counts of published lines', async () => {
    const result = await search('per_page=1');
    const { rows } = await t.pool.query(
      `SELECT category, count(*)::int AS n FROM lines WHERE status = 'published' GROUP BY category`,
    );
    expect(result.facets.category).toEqual(Object.fromEntries(rows.map((r) => [r.category, r.n])));
    expect(result.total).toBe(rows.reduce((a, r) => a + r.n, 0));
  });

  test('repeatable filters OR within a field and AND across fields', async () => {
    const result = await search('category=hesc&category=msc&availability=available&per_page=100');
    // Available means a released batch has vials (src/lib/availability.ts).
    const { rows } =
      await t.pool.query(`SELECT name FROM lines l WHERE status = 'published' AND category IN ('hesc', 'msc')
      AND EXISTS (SELECT 1 FROM batches b WHERE b.line_id = l.id AND b.release_status = 'released' AND b.vials_available > 0) ORDER BY name`);
    expect(result.hits.map((h) => h.name).sort()).toEqual(rows.map((r) => r.name).sort());
    expect(result.total).toBe(rows.length);
  });

  test('a filtered facet still counts its other values (disjunctive), and each facet value works as a filter', async () => {
    const filtered = await search('category=hesc&per_page=1');
    expect(Object.keys(filtered.facets.category).sort()).toEqual(expect.arrayContaining(['hesc', 'ipsc', 'msc']));
    const grade = await search('grade=clinical&per_page=100');
    const { rows } = await t.pool.query(
      `SELECT DISTINCT l.name FROM lines l JOIN batches b ON b.line_id = l.id WHERE b.grade = 'clinical' AND b.release_status = 'released' AND l.status = 'published'`,
    );
    expect(grade.hits.map((h) => h.name).sort()).toEqual(rows.map((r) => r.name).sort());
    for (const [disease, count] of Object.entries((await search('per_page=1')).facets.disease)) {
      expect((await search(`disease=${encodeURIComponent(disease)}&per_page=1`)).total, disease).toBe(count);
    }
  });

  test('an identifier prefix with a filter counts its facets over the same prefix', async () => {
    const result = await search('q=HPSI0114i&sex=female&per_page=100');
    const { rows } = await t.pool.query(
      `SELECT d.sex, count(*)::int AS n FROM lines l JOIN donors d ON d.id = l.donor_id WHERE l.name ILIKE 'HPSI0114i%' AND l.status = 'published' GROUP BY d.sex`,
    );
    expect(result.facets.sex).toEqual(Object.fromEntries(rows.map((r) => [r.sex, r.n])));
    expect(result.total).toBe(rows.find((r) => r.sex === 'female')?.n ?? 0);
  });

  test('bad parameters are refused, naming the parameter', () => {
    const bad = (q: string) => {
      try {
        parseSearchParams(new URLSearchParams(q));
        return undefined;
      } catch (error) {
        return (error as SearchParamsError).parameter;
      }
    };
    expect(bad('category=neuron')).toBe('category');
    expect(bad('page=0')).toBe('page');
    expect(bad('per_page=1000')).toBe('per_page');
    expect(bad('sort=random')).toBe('sort');
    expect(bad('colour=red')).toBe('colour');
    expect(bad('q=a&q=b')).toBe('q');
    expect(bad('q=ipsc&category=ipsc&category=hesc')).toBeUndefined();
  });
});

describe('index settings', () => {
  test('are applied only when they drift from the code', async () => {
    const { ensureSearchIndexes } = await import('#search/settings.ts');
    const again = await ensureSearchIndexes(s.meili, s.prefix);
    expect(
      Object.values(again).map((r) => r.changed),
      'a restart changes nothing',
    ).toEqual([[], []]);
    await s.meili.index(`${s.prefix}lines`).updateSortableAttributes(['name']).waitTask();
    const drifted = await ensureSearchIndexes(s.meili, s.prefix);
    expect(drifted.lines).toEqual({ created: false, changed: ['sortableAttributes'] });
    expect(await s.meili.index(`${s.prefix}lines`).getSortableAttributes()).toEqual(
      expect.arrayContaining(['available_vials', 'name', 'updated_at']),
    );
  });
});

describe('keeping search in step with the catalog', () => {
  test('an edit appears in search after sync; a line taken out of the public catalog disappears', async () => {
    await importText(t.pool, 'edit.tsv', 'name\tcategory\tsynonyms\nWAe001-A\thesc\tH1; WA01; zebrafinch-alias\n');
    expect(await names('q=zebrafinch-alias'), 'not before the outbox is drained').toEqual([]);
    await s.sync();
    expect(await names('q=zebrafinch-alias')).toEqual(['WAe001-A']);

    await importText(t.pool, 'hide.tsv', 'name\tcategory\tstatus\nWAe001-A\thesc\thidden\n');
    await s.sync();
    expect(await names('q=WAe001-A')).not.toContain('WAe001-A');
    expect(await names('q=WA01')).not.toContain('WAe001-A');
  });

  test('changes wait in the outbox while Meilisearch is unreachable, and arrive later', async () => {
    const { createSearchClient } = await import('#search/client.ts');
    const { drainOnce } = await import('#search/sync.ts');
    await importText(t.pool, 'edit2.tsv', 'name\tcategory\tsynonyms\nWAe007-A\thesc\tH7; WA07; nightingale-alias\n');
    const unreachable = createSearchClient({ url: 'http://127.0.0.1:1', apiKey: 'x'.repeat(16), timeoutMs: 500 });
    const failed = await drainOnce({ pool: t.pool, meili: unreachable, prefix: s.prefix });
    expect(failed.failed).toBe(true);
    const { rows } = await t.pool.query(
      `SELECT attempts, last_error IS NOT NULL AS has_error FROM search_outbox WHERE processed_at IS NULL`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.attempts === 1 && r.has_error)).toBe(true);
    await t.pool.query(`UPDATE search_outbox SET next_attempt_at = now() WHERE processed_at IS NULL`); // skip the backoff
    await s.sync();
    expect(await names('q=nightingale-alias')).toEqual(['WAe007-A']);
  });

  test('a reindex keeps search answering throughout, then serves the rebuilt index', async () => {
    let answered = 0;
    let failures = 0;
    let running = true;
    const poll = (async () => {
      while (running) {
        try {
          const r = await search('q=WA09');
          if (r.hits[0]?.name === 'WAe009-A') answered++;
          else failures++;
        } catch {
          failures++;
        }
      }
    })();
    const counts = await reindex(s.deps);
    running = false;
    await poll;
    expect(counts.lines).toBeGreaterThan(480);
    expect(failures, 'no search failed or missed during the reindex').toBe(0);
    expect(answered).toBeGreaterThan(5);
    expect((await search('per_page=1')).total).toBe(counts.lines);
  });
});

describe('the CSV export service', () => {
  const params = parseSearchParams(new URLSearchParams('q=ipsc'));
  const searchPage = async (page: number, perPage: number) => ({
    ok: true as const,
    params,
    result: await searchLines(s.meili, s.prefix, { ...params, page, per_page: perPage }, { withoutFacets: true }),
  });

  test('pages through the result up to the row cap: a header, then one row per line with its address', async () => {
    const whole = await searchLines(s.meili, s.prefix, { ...params, page: 1, per_page: 5 });
    expect(whole.total).toBeGreaterThan(5);
    const exported = await collectExportRows(searchPage, 'https://bank.example', { maxRows: 5, pageSize: 2 });
    if (!exported.ok) throw new Error('export failed');
    expect(exported.rows[0]).toEqual([...exportColumns]);
    expect(exported.rows.slice(1).map((r) => r[0])).toEqual(whole.hits.map((h) => h.name));
    expect(exported.rows[1]!.at(-1)).toBe(`https://bank.example/lines/${encodeURIComponent(whole.hits[0]!.name)}`);
  });

  test('a failed search is returned as data, not rows', async () => {
    const down = async () => ({ ok: false as const, failure: { kind: 'unavailable' as const } });
    expect(await collectExportRows(down, 'https://bank.example')).toEqual({
      ok: false,
      failure: { kind: 'unavailable' },
    });
  });
});

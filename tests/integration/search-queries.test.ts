/**
 * Searches people type, on the demo catalog, in English and Chinese: natural
 * phrases naming a kind of cell, facet words, protein variants, tag
 * families, registry-prefixed identifiers, and what happens when nothing matches.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSearchParams } from '#schemas/search-params.ts';
import { searchLines } from '#server/search/search.ts';
import type { TestDatabase } from '../support/db.ts';
import { closeDemoCatalogSearch, openDemoCatalogSearch, type TestSearch } from '../support/search.ts';

let t: TestDatabase;
let s: TestSearch;

beforeAll(async () => ({ t, s } = await openDemoCatalogSearch()), 180_000);
afterAll(() => closeDemoCatalogSearch(t, s));

const search = (q: string, extra = '', lang: 'en' | 'zh' = 'en') =>
  searchLines(
    s.meili,
    s.prefix,
    parseSearchParams(new URLSearchParams(`q=${encodeURIComponent(q)}&per_page=100&lang=${lang}${extra}`)),
  );
const sqlNames = async (where: string, params: unknown[] = []) =>
  (
    await t.pool.query<{ name: string }>(
      `SELECT l.name FROM lines l LEFT JOIN donors d ON d.id = l.donor_id WHERE l.status = 'published' AND ${where}`,
      params,
    )
  ).rows
    .map((r) => r.name)
    .sort();

async function allNames(q: string, lang: 'en' | 'zh' = 'en') {
  const out: string[] = [];
  for (let page = 1; ; page++) {
    const r = await search(q, `&page=${page}`, lang);
    out.push(...r.hits.map((h) => h.name));
    if (page * 100 >= r.total) return out.sort();
  }
}

describe('natural phrases naming a kind of cell narrow to that kind, in both languages', () => {
  test.each([
    ['induced pluripotent stem cells', 'en', 'ipsc'],
    ['induced pluripotent stem cell lines', 'en', 'ipsc'],
    ['诱导多能干细胞系', 'zh', 'ipsc'],
    ['人诱导多能干细胞', 'zh', 'ipsc'],
    ['embryonic stem cell lines', 'en', 'hesc'],
    ['胚胎干细胞系', 'zh', 'hesc'],
    ['mesenchymal stem cells', 'en', 'msc'],
    ['间充质干细胞', 'zh', 'msc'],
  ] as const)('%s (%s) finds exactly the %s lines', async (q, lang, category) => {
    expect(await allNames(q, lang)).toEqual(await sqlNames(`l.category = $1`, [category]));
  });
});

describe('words naming a facet value act as filters, so contradicting lines never come first', () => {
  test.each([
    ['female iPSC', 'en', `l.category = 'ipsc' AND d.sex = 'female'`],
    ['女性 诱导多能干细胞', 'zh', `l.category = 'ipsc' AND d.sex = 'female'`],
    ['male donors', 'en', `d.sex = 'male'`],
    ['男性供者', 'zh', `d.sex = 'male'`],
    [
      'Parkinson disease lines',
      'en',
      `EXISTS (SELECT 1 FROM line_diseases ld JOIN diseases x ON x.id = ld.disease_id WHERE ld.line_id = l.id AND x.name_en = 'Parkinson disease')`,
    ],
    [
      '帕金森病',
      'zh',
      `EXISTS (SELECT 1 FROM line_diseases ld JOIN diseases x ON x.id = ld.disease_id WHERE ld.line_id = l.id AND x.name_en = 'Parkinson disease')`,
    ],
    [
      'clinical grade',
      'en',
      `EXISTS (SELECT 1 FROM batches b WHERE b.line_id = l.id AND b.grade = 'clinical' AND b.release_status = 'released')`,
    ],
    [
      '临床级',
      'zh',
      `EXISTS (SELECT 1 FROM batches b WHERE b.line_id = l.id AND b.grade = 'clinical' AND b.release_status = 'released')`,
    ],
    ['lines from the United Kingdom', 'en', `l.country = 'GB'`],
    ['英国', 'zh', `l.country = 'GB'`],
    ['hESC from the USA', 'en', `l.country = 'US' AND l.category = 'hesc'`],
  ] as const)('%s (%s)', async (q, lang, where) => {
    const expected = await sqlNames(where);
    expect(expected.length, 'the demo catalog has such lines').toBeGreaterThan(0);
    expect(await allNames(q, lang)).toEqual(expected);
    expect((await search(q, '', lang)).understood.length).toBeGreaterThan(0);
  });

  test('a filter the reader set wins over a contradicting word, and literal=1 reads the words as typed', async () => {
    const explicit = await search('female', '&sex=male');
    expect(explicit.understood).toEqual([]);
    const literal = await search('female iPSC', '&literal=1');
    expect(literal.understood).toEqual([]);
    expect(literal.words).toBe('female iPSC');
  });

  test('remaining words are still searched within the filter', async () => {
    const r = await search('female iPSC bardet biedl');
    expect(r.hits.length).toBeGreaterThan(0);
    for (const h of r.hits) expect(h).toMatchObject({ category: 'ipsc', sex: 'female' });
    expect(r.hits[0]!.diseases).toContain('Bardet-Biedl syndrome');
  });
});

describe('protein variants find the lines that carry them, before their corrected controls', () => {
  test.each([
    ['A53T', 'DEMOi001-A'],
    ['p.Ala53Thr', 'DEMOi001-A'],
    ['SNCA A53T', 'DEMOi001-A'],
    ['A4V', 'DEMOi002-A'],
    ['SOD1 A5V', 'DEMOi002-A'],
  ])('%s ranks %s first', async (q, carrier) => {
    const r = await search(q);
    expect(r.hits[0]?.name).toBe(carrier);
  });

  test('a one-letter variant finds the knock-in written in three-letter HGVS', async () => {
    const expected = await sqlNames(
      `EXISTS (SELECT 1 FROM genetic_modifications m WHERE m.line_id = l.id AND m.variant LIKE '%p.Gly256Glu%')`,
    );
    expect(expected.length).toBe(1);
    expect((await search('G256E')).hits.map((h) => h.name)).toEqual(expected);
  });

  test('the corrected control is still found, after the carrier', async () => {
    const names = (await search('A53T')).hits.map((h) => h.name);
    expect(names.indexOf('DEMOi001-A')).toBeLessThan(names.indexOf('DEMOi001-A-1'));
  });
});

describe('a fluorescent protein family finds every line tagged with any member', () => {
  const tagged = (pattern: string) =>
    sqlNames(`EXISTS (SELECT 1 FROM genetic_modifications m WHERE m.line_id = l.id AND m.variant ~* $1)`, [pattern]);
  test.each([
    ['GFP', 'en', '(^|[^A-Za-z])m?EGFP'],
    ['green fluorescent protein', 'en', '(^|[^A-Za-z])m?EGFP'],
    ['绿色荧光蛋白', 'zh', '(^|[^A-Za-z])m?EGFP'],
    ['RFP', 'en', 'TagRFP'],
    ['红色荧光蛋白', 'zh', 'TagRFP'],
  ] as const)('%s (%s)', async (q, lang, pattern) => {
    const expected = await tagged(pattern);
    expect(expected.length).toBeGreaterThan(1);
    const found = await allNames(q, lang);
    expect(found).toEqual(expect.arrayContaining(expected));
    expect(found.length).toBe(expected.length);
  });
});

describe('identifiers written with their registry prefix', () => {
  test.each([
    ['RRID:CVCL_9773', 'WAe009-A'],
    ['RRID: CVCL_9773', 'WAe009-A'],
    ['Cellosaurus:CVCL_9773', 'WAe009-A'],
    ['hPSCreg:WAe009-A', 'WAe009-A'],
    ['BioSamples:SAMEA2474456', 'HPSI1113i-eofe_1'],
  ])('%s finds %s first, as an exact match', async (q, expected) => {
    const r = await search(q);
    expect(r.hits[0]).toMatchObject({ name: expected, exact: true });
  });
});

describe('zero results', () => {
  test('a word too far off for typo tolerance gets the nearest spelling, which finds lines', async () => {
    const r = await search('kardiomiopathy');
    expect(r.total).toBe(0);
    const spelling = r.suggestions.find((x) => x.kind === 'spelling');
    expect(spelling?.q).toBe('Cardiomyopathy');
    expect(spelling!.total).toBeGreaterThan(0);
    expect((await search(spelling!.q)).total).toBe(spelling!.total);
  });

  test('filters that exclude everything: the same words without filters', async () => {
    const r = await search('bardet biedl', '&category=msc');
    expect(r.total).toBe(0);
    const without = r.suggestions.find((x) => x.kind === 'without_filters');
    expect(without?.total).toBe((await search('bardet biedl')).total);
  });

  test('several words that find nothing together: the broader word that does', async () => {
    const r = await search('zebrafishx bardet');
    expect(r.total).toBe(0);
    expect(r.suggestions.find((x) => x.kind === 'broader')?.q).toBe('bardet');
  });

  test('nothing to suggest for gibberish, and results carry no suggestions', async () => {
    expect((await search('qqqxxzzv')).suggestions).toEqual([]);
    expect((await search('bardet')).suggestions).toEqual([]);
  });
});

describe('ranking when relevance ties: available first, then richer records', () => {
  const order = ['available', 'in_qc', 'expand_to_order', 'on_request', 'restricted', 'not_distributed'];
  const richness = (h: Awaited<ReturnType<typeof search>>['hits'][number]) =>
    [
      h.diseases.length,
      h.sex !== 'unknown',
      h.age_band,
      h.modification_types.length,
      h.grades.length,
      h.available_vials > 0,
    ].filter(Boolean).length;

  test.each([
    ['no words, the whole catalog', '', '', 'en'],
    ['a provider filter', '', '&provider=HipSci', 'en'],
    ['a cell kind', 'iPSC', '', 'en'],
    ['a cell kind in Chinese', '诱导多能干细胞', '', 'zh'],
  ] as const)('%s (%s)', async (_what, q, extra, lang) => {
    const hits: Awaited<ReturnType<typeof search>>['hits'] = [];
    for (let page = 1; page <= 5; page++) hits.push(...(await search(q, `${extra}&page=${page}`, lang)).hits);
    expect(hits.length).toBeGreaterThan(100);
    const ranks = hits.map((h) => order.indexOf(h.availability));
    expect(ranks, 'availability never improves further down').toEqual([...ranks].sort((a, b) => a - b));
    expect(hits[0]!.availability).toBe('available');
    // Within one availability, a sparser record never ranks above a richer one.
    for (let i = 1; i < hits.length; i++) {
      if (hits[i]!.availability === hits[i - 1]!.availability)
        expect(richness(hits[i]!), `${hits[i - 1]!.name} before ${hits[i]!.name}`).toBeLessThanOrEqual(
          richness(hits[i - 1]!),
        );
    }
  });
});

describe('an identifier is looked up by prefix first', () => {
  /** The demo catalog's Meilisearch client, recording each multi-search it is asked. */
  function recording() {
    const asked: { q?: string | null; filter?: unknown }[][] = [];
    const meili = Object.create(s.meili) as typeof s.meili;
    meili.multiSearch = ((params: { queries: { q?: string | null }[] }) => {
      asked.push(params.queries);
      return s.meili.multiSearch(params as Parameters<typeof s.meili.multiSearch>[0]);
    }) as typeof s.meili.multiSearch;
    return { meili, asked };
  }
  const params = (q: string) => parseSearchParams(new URLSearchParams(`q=${encodeURIComponent(q)}`));

  test('a name found by its prefix is the answer, and the full-text query is never asked', async () => {
    const [line] = (await sqlNames(`l.name ~ '[0-9]' AND l.name !~ '\\s'`)).slice(0, 1);
    expect(line, 'the demo catalog has a name with a digit').toBeDefined();
    const { meili, asked } = recording();
    const result = await searchLines(meili, s.prefix, params(line!));
    expect(result.hits[0]?.name).toBe(line);
    expect(result.hits[0]?.exact).toBe(true);
    const queries = asked.flat();
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.filter((q) => q.q === line!.toLowerCase() || q.q === line)).toEqual([]);
  });

  test('a term no name, synonym, id or batch number starts with is then searched as words', async () => {
    const { meili, asked } = recording();
    const result = await searchLines(meili, s.prefix, params('zq9xk'));
    expect(result.total).toBe(0);
    expect(asked.flat().some((q) => q.q === 'zq9xk')).toBe(true);
  });
});

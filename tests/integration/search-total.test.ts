/**
 * `/api/v1/search` counts past 10,000 (issue 20): Meilisearch's
 * `maxTotalHits` no longer caps `total`, and the facet counts add up to it.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inject } from 'vitest';
import { createSearchClient } from '#search/client.ts';
import { indexUid } from '#search/indexes/index.ts';
import { LINES } from '#search/indexes/lines.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { parseSearchParams } from '#schemas/search-params.ts';
import { searchLines } from '#server/search/search.ts';
import { uniqueIndexPrefix } from '../support/db.ts';

const COUNT = 12_345;
const meili = createSearchClient({ url: inject('meiliUrl'), apiKey: inject('meiliKey'), timeoutMs: 120_000 });
const prefix = uniqueIndexPrefix();

beforeAll(async () => {
  await ensureSearchIndexes(meili, prefix);
  // Documents with the fields the search reads; the values do not matter here, their number does.
  const documents = Array.from({ length: COUNT }, (_, i) => ({
    id: i + 1,
    name: `TOTAL${i}`,
    category: i % 4 ? 'ipsc' : 'hesc',
    diseases: [],
    synonyms: [],
    identifiers: [],
    genes: [],
    modification_types: [],
    availability: 'available',
    grades: ['research'],
    available_vials: 1,
    demo: false,
    synthetic: true,
  }));
  await meili
    .index(indexUid(prefix, LINES))
    .addDocuments(documents, { primaryKey: 'id' })
    .waitTask({ timeout: 120_000 });
}, 180_000);

afterAll(async () => {
  const { results } = await meili.getIndexes({ limit: 100 });
  await Promise.all(results.filter((i) => i.uid.startsWith(prefix)).map((i) => meili.deleteIndex(i.uid).waitTask()));
});

test(`an empty query over ${COUNT.toLocaleString('en')} lines reports all of them, and the category counts add up to the total`, async () => {
  const result = await searchLines(meili, prefix, parseSearchParams(new URLSearchParams('q=')));
  expect(result.total).toBe(COUNT);
  const byCategory = result.facets.category;
  expect(byCategory).toEqual({ ipsc: COUNT - Math.ceil(COUNT / 4), hesc: Math.ceil(COUNT / 4) });
  // A filtered search counts past 10,000 too.
  const ipsc = await searchLines(meili, prefix, parseSearchParams(new URLSearchParams('q=&category=ipsc')));
  expect(ipsc.total).toBe(byCategory.ipsc);
});

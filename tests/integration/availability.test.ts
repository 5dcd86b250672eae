/**
 * What the catalog says about availability is what the stock says: for every
 * line of the demo catalog the search facet, the badge (search hit and line
 * page), the request button and the stock ledger agree, and a stock movement
 * reaches search through the outbox.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseSearchParams } from '#schemas/search-params.ts';
import { searchLines } from '#server/search/search.ts';
import { getBatchPage, getCatalogStatistics, getLinePage } from '#server/catalog/catalog.ts';
import { moveStock } from '#server/catalog/stock.ts';
import { requestLink } from '#lib/catalog-display.ts';
import { stockAvailabilities } from '#lib/availability.ts';
import { translator } from '#i18n/index.ts';
import type { TestDatabase } from '../support/db.ts';
import { closeDemoCatalogSearch, openDemoCatalogSearch, type TestSearch } from '../support/search.ts';

let t: TestDatabase;
let s: TestSearch;

beforeAll(async () => ({ t, s } = await openDemoCatalogSearch()), 180_000);
afterAll(() => closeDemoCatalogSearch(t, s));

const search = (query: string) => searchLines(s.meili, s.prefix, parseSearchParams(new URLSearchParams(query)));

/** Straight from the ledger's counters, independent of the code under test. */
async function stockByLine() {
  const { rows } = await t.pool.query<{ name: string; released_vials: number; held_vials: number }>(`
    SELECT l.name,
           coalesce(sum(b.vials_available) FILTER (WHERE b.release_status = 'released'), 0)::int AS released_vials,
           coalesce(sum(b.vials_available) FILTER (WHERE b.release_status <> 'released'), 0)::int AS held_vials
    FROM lines l LEFT JOIN batches b ON b.line_id = l.id
    WHERE l.status = 'published' GROUP BY l.name`);
  return new Map(rows.map((r) => [r.name, r]));
}

/** Every line's facet value, read back through the availability filter of search. */
async function facetValueByLine() {
  const out = new Map<string, string>();
  for (const value of stockAvailabilities) {
    for (let page = 1; ; page++) {
      const r = await search(`availability=${value}&per_page=100&page=${page}&sort=name`);
      for (const h of r.hits) out.set(h.name, value);
      if (page * 100 >= r.total) break;
    }
  }
  return out;
}

describe('availability follows the stock', () => {
  test('for every demo line: facet value, search badge, line page badge and request button agree with the stock', async () => {
    const stock = await stockByLine();
    const facet = await facetValueByLine();
    expect(facet.size, 'every published line has exactly one facet value').toBe(stock.size);
    const en = translator('en');
    const disagreements: string[] = [];
    for (const [name, st] of stock) {
      const page = (await getLinePage(t.db, name))!;
      const hit = (await search(`q=${encodeURIComponent(name)}&per_page=5`)).hits.find((h) => h.name === name);
      const button = requestLink('en', name, page.availability.status);
      const available = st.released_vials > 0;
      const problems = [
        facet.get(name) !== page.availability.status && `facet ${facet.get(name)} vs page ${page.availability.status}`,
        hit &&
          hit.availability !== page.availability.status &&
          `badge ${hit.availability} vs page ${page.availability.status}`,
        hit &&
          hit.available_vials !== st.released_vials &&
          `hit vials ${hit.available_vials} vs stock ${st.released_vials}`,
        (page.availability.status === 'available') !== available &&
          `page says ${page.availability.status} with ${st.released_vials} released vials`,
        page.availability.vials !== st.released_vials &&
          `page vials ${page.availability.vials} vs ${st.released_vials}`,
        // "Request this line" only where vials can be requested now.
        (button?.label === 'request.request') !== available &&
          `button ${button?.label} with ${st.released_vials} released vials`,
        // Vials in quarantine are "in quality control", never "available".
        !available &&
          st.held_vials > 0 &&
          page.declaredAvailability !== 'withdrawn' &&
          page.declaredAvailability !== 'recalled' &&
          page.availability.status !== 'in_qc' &&
          `held vials but ${page.availability.status}`,
      ].filter(Boolean);
      if (problems.length) disagreements.push(`${name}: ${problems.join('; ')}`);
      expect(en(`availability.${page.availability.status}`)).not.toMatch(/^availability\./);
    }
    expect(disagreements).toEqual([]);
  }, 300_000);

  test('lines with no batch at all are never "available" and never offer "Request this line"', async () => {
    const { rows } = await t.pool.query(
      `SELECT l.name FROM lines l WHERE l.status = 'published' AND l.availability = 'available' AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.line_id = l.id)`,
    );
    expect(rows.length, 'the demo catalog has such lines').toBeGreaterThan(100);
    const available = await search('availability=available&per_page=100');
    const names = new Set(available.hits.map((h) => h.name));
    for (const r of rows) expect(names.has(r.name), r.name).toBe(false);
    const onRequest = await search('availability=on_request&per_page=1');
    expect(onRequest.total).toBe(rows.length);
  });

  test('a quarantined batch shows no requestable vials, on its page and in the JSON', async () => {
    const { rows } = await t.pool.query(
      `SELECT number, vials_available FROM batches WHERE release_status = 'quarantine' AND vials_available > 0 LIMIT 1`,
    );
    expect(rows.length).toBe(1);
    const page = (await getBatchPage(t.db, rows[0].number))!;
    expect(page.vialsAvailable).toBe(rows[0].vials_available);
    expect(page.vialsRequestable).toBe(0);
  });

  test('the statistics count lines by the same rule', async () => {
    const stats = await getCatalogStatistics(t.db);
    const facets = (await search('per_page=1')).facets.availability;
    expect(Object.fromEntries(stats.byAvailability.map((c) => [c.key, c.count]))).toEqual(facets);
  });

  test('sorting by availability puts the lines with most released vials first', async () => {
    const r = await search('sort=available&per_page=20');
    const vials = r.hits.map((h) => h.available_vials);
    expect(vials).toEqual([...vials].sort((a, b) => b - a));
    expect(r.hits[0]!.availability).toBe('available');
  });

  test('a stock movement reaches search through the outbox', async () => {
    // The line with the fewest released vials and a single released batch: reserve them all.
    const { rows } = await t.pool.query(`
      SELECT l.name, b.id AS batch_id, b.vials_available FROM lines l JOIN batches b ON b.line_id = l.id
      WHERE l.status = 'published' AND b.release_status = 'released' AND b.vials_available > 0
        AND (SELECT count(*) FROM batches x WHERE x.line_id = l.id AND x.release_status = 'released' AND x.vials_available > 0) = 1
      ORDER BY b.vials_available, l.name LIMIT 1`);
    const { name, batch_id, vials_available } = rows[0];
    const before = (await search(`q=${encodeURIComponent(name)}&per_page=5`)).hits.find((h) => h.name === name)!;
    expect(before.availability).toBe('available');
    const moved = await t.db.transaction((tx) =>
      moveStock(tx, {
        batchId: batch_id,
        kind: 'reserved',
        quantity: vials_available,
        actor: 'test',
        reason: 'all vials reserved',
      }),
    );
    expect(moved.ok).toBe(true);
    expect((await getLinePage(t.db, name))!.availability.status).toBe('expand_to_order');
    expect(
      (await search(`q=${encodeURIComponent(name)}&per_page=5`)).hits.find((h) => h.name === name)!.availability,
      'not before the outbox is drained',
    ).toBe('available');
    await s.sync();
    const after = (await search(`q=${encodeURIComponent(name)}&per_page=5`)).hits.find((h) => h.name === name)!;
    expect(after).toMatchObject({ availability: 'expand_to_order', available_vials: 0 });
    expect(requestLink('zh', name, after.availability as 'expand_to_order')?.label).toBe('request.order');
  });
});

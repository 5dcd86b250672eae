/** Cite this line (text, RIS, BibTeX) and Compare (resolution, limits), on the demo catalog. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDemoCatalog } from '#seed/load-demo.ts';
import { getLinePage } from '#server/catalog/catalog.ts';
import { citeLine } from '#server/catalog/citation.ts';
import { compareLines } from '#server/catalog/compare.ts';
import { parseCompareQuery } from '#schemas/catalog-params.ts';
import { useTestDatabase, type TestDatabase } from '../support/db.ts';

let t: TestDatabase;
beforeAll(async () => {
  t = await useTestDatabase();
  await loadDemoCatalog(t.pool);
}, 120_000);
afterAll(async () => t?.close());

const day = new Date('2026-11-28T12:00:00Z');

describe('cite this line', () => {
  test('the citation carries the standard name and the RRID from the Cellosaurus accession', async () => {
    const c = citeLine((await getLinePage(t.db, 'WAe009-A'))!, 'https://cells.example.org', day);
    expect(c.rrid).toBe('RRID:CVCL_9773');
    expect(c.text).toMatch(/^WAe009-A \(RRID:CVCL_9773\), human embryonic stem cell line/);
    expect(c.text).toContain('https://cells.example.org/lines/WAe009-A (accessed 2026-11-28)');
  });

  test('RIS and BibTeX are well formed and carry the same facts', async () => {
    const c = citeLine((await getLinePage(t.db, 'WAe009-A'))!, 'https://cells.example.org', day);
    const ris = c.ris.split('\r\n');
    expect(ris[0]).toBe('TY  - DATA');
    expect(ris).toContain('ID  - RRID:CVCL_9773');
    expect(ris).toContain('UR  - https://cells.example.org/lines/WAe009-A');
    expect(ris.at(-2)).toBe('ER  - ');
    expect(c.bibtex).toMatch(/^@misc\{WAe009A2026,\n/);
    expect(c.bibtex).toContain('note = {RRID:CVCL_9773}');
    const opens = (c.bibtex.match(/(?<!\\)\{/g) ?? []).length;
    const closes = (c.bibtex.match(/(?<!\\)\}/g) ?? []).length;
    expect(opens).toBe(closes);
  });

  test('a line without an RRID is cited by name and address only', async () => {
    const { rows } = await t.pool.query(
      `SELECT name FROM lines l WHERE status = 'published' AND NOT EXISTS (SELECT 1 FROM line_identifiers i WHERE i.line_id = l.id AND (i.source = 'RRID' OR i.value ILIKE 'CVCL\\_%')) LIMIT 1`,
    );
    const c = citeLine((await getLinePage(t.db, rows[0].name))!, 'https://x.org', day);
    expect(c.rrid).toBeNull();
    expect(c.text).not.toContain('RRID');
    expect(c.ris).not.toContain('ID  -');
  });
});

describe('compare', () => {
  test('names, synonyms and identifiers resolve to lines; unknown names are reported; repeats count once', async () => {
    const { names } = parseCompareQuery(
      new URLSearchParams('lines=WAe009-A&lines=WA01&lines=CVCL_9773&lines=no-such-line'),
    );
    const c = await compareLines(t.db, names);
    expect(c.lines.map((l) => l.name)).toEqual(['WAe009-A', 'WAe001-A']);
    expect(c.unknown).toEqual(['no-such-line']);
  });

  test('at most four lines, the rest said to be left out', () => {
    const r = parseCompareQuery(new URLSearchParams('lines=a&lines=b&lines=c,d&lines=e&lines=A'));
    expect(r.names).toEqual(['a', 'b', 'c', 'd']);
    expect(r.dropped).toBe(1);
  });
});

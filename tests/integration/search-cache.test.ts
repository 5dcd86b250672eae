/**
 * The cache of public pages and search answers (platform/page-cache.ts), on
 * the built server: a catalog change is visible in cached pages and search
 * within the documented time (when it reaches Meilisearch, plus at most
 * VERSION_TTL_MS), and a signed-in reader is never served from the cache nor
 * fills it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { inject } from 'vitest';
import { createSearchClient } from '#search/client.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { reindex } from '#search/reindex.ts';
import { drainAll } from '#search/sync.ts';
import { importText } from '#server/catalog/import/import-file.ts';
import { makeAccount, sessionCookie } from '../support/accounts.ts';
import { uniqueIndexPrefix, useTestDatabase, type TestDatabase } from '../support/db.ts';
import { startPortalServer, type RunningServer } from '../support/server.ts';

let t: TestDatabase;
let server: RunningServer;
let cookie: string;
const prefix = uniqueIndexPrefix();

const importLines = (name: string, rows: string) =>
  importText(t.pool, name, `name\tcategory\tsex\tdepositor\n${rows}`, { format: 'tsv', actor: 'test' });

beforeAll(async () => {
  t = await useTestDatabase();
  const report = await importLines(
    'cache.tsv',
    'CACHEi001-A\tipsc\tfemale\tFirst Depositor\nCACHEi002-A\thesc\tmale\tSecond Depositor\n',
  );
  expect(report.problems).toEqual([]);
  const meili = createSearchClient({ url: inject('meiliUrl'), apiKey: inject('meiliKey'), timeoutMs: 60_000 });
  await ensureSearchIndexes(meili, prefix);
  await drainAll({ pool: t.pool, meili, prefix });
  const account = await makeAccount(t.db, 'requester');
  cookie = (await sessionCookie(t.db, account.id)).cookie;
  server = await startPortalServer({
    DATABASE_URL: t.appUrl,
    MEILI_URL: inject('meiliUrl'),
    MEILI_MASTER_KEY: inject('meiliKey'),
    MEILI_INDEX_PREFIX: prefix,
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await t?.close();
});

const get = (p: string, headers: Record<string, string> = {}) => fetch(`${server.url}${p}`, { headers });

async function eventually(what: string, check: () => Promise<boolean>, ms: number) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${server.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('anonymous readers', () => {
  test('a page is rendered once, then served from the cache with an ETag a browser can revalidate (304)', async () => {
    const first = await get('/lines/CACHEi001-A');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    const html = await first.text();
    const second = await get('/lines/CACHEi001-A');
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(await second.text()).toBe(html);
    const etag = second.headers.get('etag')!;
    expect(etag).toMatch(/^"c\d+-/);
    expect(second.headers.get('cache-control')).toBe('public, no-cache');
    expect(second.headers.get('vary')).toMatch(/Cookie/);
    expect(second.headers.get('content-security-policy'), 'security headers still apply').toBeTruthy();
    const revalidated = await get('/lines/CACHEi001-A', { 'If-None-Match': etag });
    expect(revalidated.status).toBe(304);
    // Search answers and their facet counts too; another language is another entry.
    expect((await get('/api/v1/search?q=CACHEi')).headers.get('x-cache')).toBe('miss');
    const hit = await get('/api/v1/search?q=CACHEi');
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect((await hit.json()).total).toBe(2);
    expect((await get('/zh/lines/CACHEi001-A')).headers.get('x-cache')).toBe('miss');
  });

  test('a catalog change reaches the cached page and search answer within the time it reaches Meilisearch (documented: 1 s worker, plus 250 ms)', async () => {
    expect(await (await get('/lines/CACHEi001-A')).text()).toContain('First Depositor');
    expect((await get('/lines/CACHEi001-A')).headers.get('x-cache')).toBe('hit');
    const report = await importLines(
      'change.tsv',
      'CACHEi001-A\tipsc\tfemale\tRenamed Depositor\nCACHEi003-A\tipsc\tfemale\tThird Depositor\n',
    );
    expect(report.problems).toEqual([]);
    // Generous on a busy machine: the worker polls every second, the cache reads the version every 250 ms.
    await eventually(
      'the cached search sees the new line',
      async () => (await (await get('/api/v1/search?q=CACHEi')).json()).total === 3,
      15_000,
    );
    await eventually(
      'the cached page shows the change',
      async () => (await (await get('/lines/CACHEi001-A')).text()).includes('Renamed Depositor'),
      2_000,
    );
    // And is cached again under the new version.
    expect((await get('/lines/CACHEi001-A')).headers.get('x-cache')).toBe('hit');
  }, 30_000);

  test('a full reindex (new settings, synonyms) moves the catalog version: cached answers are computed again', async () => {
    await get('/api/v1/search?q=CACHEi');
    expect((await get('/api/v1/search?q=CACHEi')).headers.get('x-cache')).toBe('hit');
    const version = async () =>
      (await t.pool.query<{ v: string }>('SELECT version::text AS v FROM catalog_version WHERE id = 1')).rows[0]!.v;
    const before = await version();
    const meili = createSearchClient({ url: inject('meiliUrl'), apiKey: inject('meiliKey'), timeoutMs: 60_000 });
    await reindex({ pool: t.pool, meili, prefix });
    expect(BigInt(await version())).toBeGreaterThan(BigInt(before));
    await eventually(
      'the cached search is computed again',
      async () => (await get('/api/v1/search?q=CACHEi')).headers.get('x-cache') === 'miss',
      2_000,
    );
  }, 60_000);
});

describe('signed-in readers', () => {
  test('their searches share the answers of the catalog version (never a page), and see a change as soon as anyone', async () => {
    const total = async () => (await (await get('/api/v1/search?q=CACHEi', { Cookie: cookie })).json()).total as number;
    const before = await total();
    expect(await total()).toBe(before);
    const report = await importLines('signed-in.tsv', 'CACHEi009-A\tipsc\tmale\tNinth Depositor\n');
    expect(report.problems).toEqual([]);
    await eventually('the signed-in search sees the new line', async () => (await total()) === before + 1, 15_000);
  }, 30_000);

  test('are never served from the cache and never fill it', async () => {
    // An anonymous reader fills the cache for the home page.
    await get('/');
    const anonymous = await get('/');
    expect(anonymous.headers.get('x-cache')).toBe('hit');
    expect(await anonymous.text()).not.toContain('Test requester');
    // The signed-in reader gets their own page, rendered for them.
    for (const p of ['/', '/lines/CACHEi002-A', '/api/v1/search?q=CACHEi']) {
      const own = await get(p, { Cookie: cookie });
      expect(own.headers.get('x-cache'), p).toBe('bypass');
      if (!p.startsWith('/api/')) expect(await own.text(), p).toContain('Test requester');
    }
    // Their page went nowhere: anonymous readers of a page first rendered for them get a fresh one.
    const after = await get('/lines/CACHEi002-A');
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(await after.text()).not.toContain('Test requester');
  });
});

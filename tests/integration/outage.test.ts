/**
 * Service outages under a running portal: this file owns a throwaway
 * PostgreSQL and Meilisearch, stops them, checks what readers get, and starts
 * them again on the same data and port, without restarting the portal.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { startEmbeddedMeilisearch, type EmbeddedMeiliHandle } from '#scripts/lib/embedded-meilisearch.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '#scripts/lib/embedded-postgres.ts';
import { createSearchClient } from '#search/client.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { drainAll } from '#search/sync.ts';
import { importText } from '#server/catalog/import/import-file.ts';
import { makeAccount, sessionCookie } from '../support/accounts.ts';
import { startPortalServer, type RunningServer } from '../support/server.ts';

let dataDir: string;
let pgServer: EmbeddedPostgresHandle;
let meili: EmbeddedMeiliHandle;
let server: RunningServer;
let cookie: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-outage-'));
  [pgServer, meili] = await Promise.all([startEmbeddedPostgres({ dataDir }), startEmbeddedMeilisearch({ dataDir })]);
  const pool = createPool(pgServer.url, { max: 2 });
  try {
    await runMigrations(pool);
    const report = await importText(
      pool,
      'outage.tsv',
      'name\tcategory\tsex\nOUTi001-A\tipsc\tfemale\nOUTi002-A\thesc\tmale\n',
    );
    expect(report.problems).toEqual([]);
    const search = createSearchClient({ url: meili.url, apiKey: meili.masterKey, timeoutMs: 60_000 });
    await ensureSearchIndexes(search, '');
    await drainAll({ pool, meili: search, prefix: '' });
    const account = await makeAccount(createDatabase(pool), 'requester');
    cookie = (await sessionCookie(createDatabase(pool), account.id)).cookie;
  } finally {
    await pool.end();
  }
  server = await startPortalServer({
    DATABASE_URL: pgServer.url,
    MEILI_URL: meili.url,
    MEILI_MASTER_KEY: meili.masterKey,
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await meili?.stop();
  await pgServer?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const get = (p: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${p}`, { redirect: 'manual', headers });

/** Polls until `check` passes: recovery is the portal's own doing, not ours. */
async function eventually(check: () => Promise<void>, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('PostgreSQL down', () => {
  test('pages answer 503 with the bilingual page, the API 503 JSON with Retry-After, signed-in readers get anonymous public pages; all recover by themselves', async () => {
    expect((await get('/lines/OUTi001-A')).status, server.output()).toBe(200);
    const signedIn = await get('/', { Cookie: cookie });
    expect(signedIn.status).toBe(200);
    expect(await signedIn.text()).toContain('Test requester');

    await pgServer.stop();

    for (const page of ['/lines/OUTi001-A', '/statistics', '/zh/lines/OUTi001-A']) {
      const res = await get(page);
      expect(res.status, `${page}\n${server.output()}`).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      const html = await res.text();
      expect(html).toContain('Temporarily unavailable');
      expect(html).toContain('暂时无法访问');
    }
    expect(await (await get('/zh/statistics')).text(), 'a Chinese reader reads Chinese first').toMatch(
      /<html lang="zh-CN">[\s\S]*暂时无法访问[\s\S]*Temporarily unavailable/,
    );

    for (const endpoint of ['/api/v1/lines/OUTi001-A', '/api/v1/batches/NONE-1']) {
      const res = await get(endpoint);
      expect(res.status, endpoint).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await res.json()).toEqual({ error: 'service_unavailable', message: expect.stringMatching(/unavailable/) });
    }

    // A session cookie no longer breaks a page that needs no account.
    for (const page of ['/', '/search?q=OUTi001', '/about/data-sources']) {
      const res = await get(page, { Cookie: cookie });
      expect(res.status, `${page}\n${server.output()}`).toBe(200);
      expect(res.headers.getSetCookie().join(), 'the cookie is kept for when the database returns').not.toMatch(
        /session=;/,
      );
    }
    // A page that needs the account cannot be rendered: 503, not a sign-in redirect.
    expect((await get('/account', { Cookie: cookie })).status).toBe(503);
    expect((await get('/api/health')).status).toBe(503);

    pgServer = await startEmbeddedPostgres({ dataDir, port: pgServer.port });
    await eventually(async () => expect((await get('/lines/OUTi001-A')).status).toBe(200));
    expect((await get('/api/v1/lines/OUTi001-A')).status).toBe(200);
    expect(await (await get('/', { Cookie: cookie })).text(), 'the session is back').toContain('Test requester');
    expect((await get('/api/health')).status).toBe(200);
  }, 90_000);
});

describe('Meilisearch down', () => {
  test('search says so in words (page) and 503 JSON with Retry-After (API); line pages render from PostgreSQL; recovery by itself', async () => {
    expect((await get('/api/v1/search?q=OUTi001')).status).toBe(200);
    await meili.stop();

    // An answer the page cache holds for this catalog version is still right, and still served.
    expect((await get('/api/v1/search?q=OUTi001')).headers.get('x-cache')).toBe('hit');
    const page = await get('/search?q=OUTi00');
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('Search is unavailable at the moment');
    expect(await (await get('/zh/search?q=OUTi00')).text()).toContain('检索暂时不可用');
    const api = await get('/api/v1/search?q=OUTi00');
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await api.json()).toMatchObject({ error: 'search_unavailable', message: expect.any(String) });
    const line = await get('/lines/OUTi002-A');
    expect(line.status).toBe(200);
    expect(await line.text()).toContain('OUTi002-A');

    meili = await startEmbeddedMeilisearch({ dataDir, port: meili.port });
    await eventually(async () => {
      const res = await get('/api/v1/search?q=OUTi00');
      expect(res.status).toBe(200);
      expect((await res.json()).hits.map((h: { name: string }) => h.name)).toContain('OUTi001-A');
    });
  }, 60_000);
});

/**
 * A hung server, not a dead one: every process of it stopped (SIGSTOP), so
 * sockets stay open and nothing answers, the way a partition or a stuck disk
 * looks. The processes of this test's own server only: its postmaster (from
 * postmaster.pid) and that postmaster's children.
 */
function postgresProcesses(): number[] {
  const postmaster = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
    .split('\n')
    .map(Number)
    .filter((n) => n > 0);
  return [postmaster, ...children];
}

const signal = (pids: number[], name: NodeJS.Signals) => {
  for (const pid of pids) process.kill(pid, name);
};

async function timed(p: string) {
  const started = performance.now();
  const res = await get(p);
  const body = await res.text();
  return { status: res.status, body, ms: performance.now() - started, retryAfter: res.headers.get('retry-after') };
}

describe('PostgreSQL hung (processes stopped, not killed)', () => {
  test('a request holding a pooled connection gets the 503 within 5 s, page and JSON; all recover after SIGCONT', async () => {
    // Several readers at once, so the portal's pool holds several open connections when the server hangs.
    const warm = await Promise.all(
      ['/lines/OUTi001-A', '/api/v1/lines/OUTi001-A', '/lines/OUTi002-A', '/statistics'].map((p) => get(p)),
    );
    expect(warm.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const pids = postgresProcesses();
    signal(pids, 'SIGSTOP');
    try {
      // Past the page cache's version lifetime (250 ms): cached public pages were right a moment ago, not now.
      await new Promise((r) => setTimeout(r, 300));
      const answers = await Promise.all(
        ['/lines/OUTi001-A', '/api/v1/lines/OUTi002-A', '/zh/statistics', '/lines/OUTi002-A'].map(timed),
      );
      for (const a of answers) {
        expect(a.status, `${a.body.slice(0, 300)}\n${server.output().slice(-1500)}`).toBe(503);
        // Generous against the 3 s query deadline; the point is "not forever" (it was more than 60 s).
        expect(a.ms).toBeLessThan(5_000);
        expect(a.retryAfter).toMatch(/^\d+$/);
      }
      expect(JSON.parse(answers[1]!.body)).toMatchObject({ error: 'service_unavailable' });
      expect(answers[2]!.body).toContain('暂时无法访问');
      // A second wave, once the hung connections were given up: also within the deadline.
      const again = await timed('/api/v1/lines/OUTi001-A');
      expect(again.status).toBe(503);
      expect(again.ms).toBeLessThan(5_000);
    } finally {
      signal(pids, 'SIGCONT');
    }
    await eventually(async () => expect((await get('/lines/OUTi001-A')).status).toBe(200));
    expect((await get('/api/v1/lines/OUTi001-A')).status).toBe(200);
    expect((await get('/api/health')).status).toBe(200);
  }, 60_000);
});

describe('Meilisearch hung (process stopped, not killed)', () => {
  test('search answers "unavailable" within 3 s (page and API) and recovers after SIGCONT', async () => {
    expect((await get('/api/v1/search?q=OUTi002')).status).toBe(200);
    const pid = meili.process.pid!;
    process.kill(pid, 'SIGSTOP');
    try {
      // Searches the page cache does not hold.
      const api = await timed('/api/v1/search?q=OUTi001-A');
      expect(api.status).toBe(503);
      expect(JSON.parse(api.body)).toMatchObject({ error: 'search_unavailable' });
      expect(api.ms).toBeLessThan(3_000);
      const page = await timed('/search?q=OUTi001-A');
      expect(page.status).toBe(503);
      expect(page.body).toContain('Search is unavailable at the moment');
      expect(page.ms).toBeLessThan(3_000);
      // Pages that need no search are not held up.
      expect((await get('/lines/OUTi002-A')).status).toBe(200);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await eventually(async () => expect((await get('/api/v1/search?q=OUTi001-A')).status).toBe(200));
  }, 60_000);
});

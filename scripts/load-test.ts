/**
 * npm run test:load [-- --lines N --duration S --connections C --zipf X --warmup W]
 *
 * The portal under load, on the bench catalog (N synthetic lines, default
 * 100,000, seeded once into .bench-data): the production server is served as
 * `npm start` serves it (one worker per core, scripts/lib/serve.ts), and a
 * second process (scripts/lib/load-driver.ts, autocannon) drives it on
 * loopback for S seconds (default 60) with C connections (default 50):
 *
 *   40% /api/v1/search and 20% /search pages, drawn from a pool of 12,000
 *   distinct searches (scripts/lib/query-pool.ts) with Zipf popularity
 *   (exponent X, default 1.0: a head of common searches, a long tail);
 *   20% line pages and 8% batch pages (Zipf over 20,000 lines and their
 *   batches); 8% the JSON of lines and batches; and two signed-in users
 *   walking their request pages (never cached).
 *
 * Both the portal and the floor first run W seconds (default 20) of the same
 * mix drawn in another order, unmeasured: the figures are of a running
 * portal (its cache holding what was asked lately), not of a cold start.
 *
 * Then the same searches, same pool and popularity, straight to Meilisearch
 * with the same connections: the floor, measured in the same run. Prints
 * requests per second, p50/p95/p99, errors, and the cache hit ratio (from
 * each answer's X-Cache). Figures, not a pass/fail test.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDatabase } from '#db/client.ts';
import { indexUid } from '#search/indexes/index.ts';
import { LINES, lineFacets } from '#search/indexes/lines.ts';
import { parseSearchParams } from '#schemas/search-params.ts';
import { createAccount } from '#server/accounts/accounts.ts';
import { createSession } from '#server/accounts/session.ts';
import { buildFilter } from '#server/search/search.ts';
import { openBenchData, startBuiltPortal } from './lib/bench-data.ts';
import type { GroupResult, LoadGroup, LoadPlan } from './lib/load-driver.ts';
import { bold, info } from './lib/log.ts';
import { searchPool } from './lib/query-pool.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '50' },
    zipf: { type: 'string', default: '1.0' },
    warmup: { type: 'string', default: '20' },
  },
});
const N = Number(values.lines);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const ZIPF = Number(values.zipf);
const WARMUP = Number(values.warmup);
const root = path.resolve(import.meta.dirname, '..');

function runDriver(plan: LoadPlan): Promise<GroupResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/lib/load-driver.ts')], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as GroupResult[]) : reject(new Error(`load driver exited with ${code}`)),
    );
    child.stdin.end(JSON.stringify(plan));
  });
}

const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;

function summarise(name: string, groups: GroupResult[]) {
  const latencies = groups.flatMap((g) => g.latencies).sort((a, b) => a - b);
  const requests = groups.reduce((n, g) => n + g.requests, 0);
  return {
    name,
    requests,
    rps: groups.reduce((n, g) => n + g.rps, 0),
    p50: pct(latencies, 50),
    p95: pct(latencies, 95),
    p99: pct(latencies, 99),
    errors: groups.reduce((n, g) => n + g.errors + g.non2xx + g.timeouts, 0),
  };
}

function print(rows: ReturnType<typeof summarise>[]) {
  console.log(
    '\n' +
      'target'.padEnd(34) +
      'requests'.padStart(10) +
      'req/s'.padStart(9) +
      'p50'.padStart(10) +
      'p95'.padStart(10) +
      'p99'.padStart(10) +
      'errors'.padStart(8),
  );
  for (const r of rows) {
    const ms = (x: number) => `${x.toFixed(0)} ms`.padStart(10);
    console.log(
      r.name.padEnd(34) +
        r.requests.toLocaleString('en').padStart(10) +
        r.rps.toFixed(0).padStart(9) +
        ms(r.p50) +
        ms(r.p95) +
        ms(r.p99) +
        String(r.errors).padStart(8),
    );
  }
}

const data = await openBenchData(N);
let portal: { base: string; stop(): void } | undefined;
try {
  portal = await startBuiltPortal(root, data);
  const base = portal.base;
  const queries = searchPool(N);
  const { rows } = await data.pool.query<{ name: string }>(
    `SELECT name FROM lines WHERE status = 'published' ORDER BY md5(name) LIMIT 20000`,
  );
  const { rows: batchRows } = await data.pool.query<{ number: string }>(
    `SELECT b.number FROM batches b JOIN lines l ON l.id = b.line_id WHERE l.status = 'published' ORDER BY md5(b.number) LIMIT 10000`,
  );
  // Two researchers with sessions (cookies as a browser sends them), walking their request pages.
  const db = createDatabase(data.pool);
  const cookies: string[] = [];
  for (let i = 0; i < 2; i++) {
    const account = await db.transaction((tx) =>
      createAccount(
        tx,
        {
          email: `load-${Date.now()}-${i}@example.org`,
          password: 'load test password 1234',
          displayName: `Load tester ${i}`,
          role: 'requester',
          status: 'active',
        },
        'test:load',
      ),
    );
    const { token } = await createSession(db, account!.id);
    cookies.push(`__Host-session=${token}`);
  }
  const get = (paths: string[], headers?: Record<string, string>) =>
    paths.map((p) => ({ path: p, ...(headers ? { headers } : {}) }));
  const share = (fraction: number) => Math.max(1, Math.round(CONNECTIONS * fraction));
  const groups: LoadGroup[] = [
    {
      name: '/api/v1/search',
      url: base,
      connections: share(0.4),
      pool: get(queries.map((q) => `/api/v1/search?${q}`)),
      zipf: ZIPF,
    },
    {
      name: '/search (server-rendered)',
      url: base,
      connections: share(0.2),
      pool: get(queries.map((q) => `/search?${q}`)),
      zipf: ZIPF,
    },
    {
      name: '/lines/{name}',
      url: base,
      connections: share(0.2),
      pool: get(rows.map((r) => `/lines/${encodeURIComponent(r.name)}`)),
      zipf: ZIPF,
    },
    {
      name: '/batches/{number}',
      url: base,
      connections: share(0.08),
      pool: get(batchRows.map((r) => `/batches/${encodeURIComponent(r.number)}`)),
      zipf: ZIPF,
    },
    {
      name: '/api/v1/lines, /api/v1/batches',
      url: base,
      connections: share(0.08),
      pool: get(
        rows
          .slice(0, 5000)
          .flatMap((r, i) => [
            `/api/v1/lines/${encodeURIComponent(r.name)}`,
            `/api/v1/batches/${encodeURIComponent(batchRows[i % batchRows.length]!.number)}`,
          ]),
      ),
      zipf: ZIPF,
    },
    ...cookies.map((cookie, i) => ({
      name: `signed-in researcher ${i + 1}`,
      url: base,
      connections: 1,
      pool: get(['/account/requests', '/account/saved-searches', '/', '/search?q=parkinson'], { cookie }),
      zipf: 0,
    })),
  ];
  // Warm up: the head of each pool once, so the figures are of a running portal, not of its first requests.
  for (const g of groups) {
    for (const r of g.pool.slice(0, 20)) {
      const res = await fetch(base + r.path, { headers: r.headers });
      if (res.status !== 200) throw new Error(`${r.path} answered ${res.status} before the run`);
      await res.arrayBuffer();
    }
  }
  const connections = groups.reduce((n, g) => n + g.connections, 0);
  info(
    `portal: ${WARMUP} s warm-up, then ${DURATION} s measured, ${connections} connections, ${queries.length.toLocaleString('en')} distinct searches (Zipf s=${ZIPF}), ${data.documents.toLocaleString('en')} lines indexed`,
  );
  if (WARMUP > 0) await runDriver({ durationS: WARMUP, seed: 71, groups });
  const portalResults = await runDriver({ durationS: DURATION, seed: 17, groups });

  // The floor: the same searches (query, filters, every facet, one page), same pool and popularity, straight to Meilisearch.
  info(`Meilisearch directly: ${DURATION} s, ${connections} connections, the same pool`);
  const meiliPool = queries.map((q) => {
    const p = parseSearchParams(new URLSearchParams(q));
    const body = JSON.stringify({
      q: p.q,
      filter: buildFilter(p),
      facets: Object.values(lineFacets),
      hitsPerPage: p.per_page,
      page: p.page,
    });
    return {
      method: 'POST' as const,
      path: `/indexes/${indexUid('', LINES)}/search`,
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${data.meiliServer.masterKey}` },
    };
  });
  const meiliGroups = [
    { name: 'Meilisearch search', url: data.meiliServer.url, connections, pool: meiliPool, zipf: ZIPF },
  ];
  if (WARMUP > 0) await runDriver({ durationS: WARMUP, seed: 71, groups: meiliGroups });
  const meiliResults = await runDriver({ durationS: DURATION, seed: 17, groups: meiliGroups });

  const rowsOut = [
    ...portalResults.map((g) => summarise(g.name, [g])),
    summarise('portal, all', portalResults),
    summarise('Meilisearch directly (floor)', meiliResults),
  ];
  console.log(
    `\n${bold(`Load: ${data.documents.toLocaleString('en')} lines, ${connections} connections, ${DURATION} s each, loopback, client in a second process`)}`,
  );
  print(rowsOut);
  const apiRow = rowsOut[0]!;
  const floor = rowsOut.at(-1)!;
  const portalAll = rowsOut.at(-2)!;
  const cache = portalResults.reduce(
    (c, g) => ({ hit: c.hit + g.cache.hit, miss: c.miss + g.cache.miss, bypass: c.bypass + g.cache.bypass }),
    { hit: 0, miss: 0, bypass: 0 },
  );
  const ratio = (c: { hit: number; miss: number }) =>
    c.hit + c.miss ? `${((100 * c.hit) / (c.hit + c.miss)).toFixed(1)}%` : 'n/a';
  console.log(
    `\n${bold('cache')}: hit ratio ${ratio(cache)} of cacheable answers (${cache.hit.toLocaleString('en')} hits, ${cache.miss.toLocaleString('en')} misses), ${cache.bypass.toLocaleString('en')} signed-in answers bypassed it`,
  );
  for (const g of portalResults)
    console.log(
      `  ${g.name.padEnd(34)} hit ratio ${ratio(g.cache).padStart(6)}, ${g.distinct.toLocaleString('en')} distinct requests`,
    );
  console.log(`  Meilisearch floor: ${meiliResults[0]!.distinct.toLocaleString('en')} distinct searches`);
  const failed = [...portalResults, ...meiliResults].filter(
    (g) => Object.keys(g.failures).length || g.errors || g.timeouts,
  );
  if (failed.length) {
    console.log(`\n${bold('errors')}, by status (connection errors and timeouts apart):`);
    for (const g of failed)
      console.log(
        `  ${g.name.padEnd(34)} ${Object.entries(g.failures)
          .map(([status, n]) => `${n} × ${status}`)
          .join(
            ', ',
          )}${g.errors ? `; ${g.errors} connection errors` : ''}${g.timeouts ? `; ${g.timeouts} timeouts` : ''}`,
      );
  }
  console.log(
    `\n${bold('goals')}: errors ${portalAll.errors + floor.errors} (goal 0); portal req/s ${portalAll.rps.toFixed(0)} vs Meilisearch ${floor.rps.toFixed(0)} (goal ≥); API p95 / Meilisearch p95 ${(apiRow.p95 / floor.p95).toFixed(2)} (goal ≤ 1.5); API p99 ${apiRow.p99.toFixed(0)} ms (goal < 250 ms)`,
  );
} finally {
  portal?.stop();
  await data.stop();
}

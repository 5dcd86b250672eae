/**
 * npm run test:load [-- --lines N --duration S --connections C]
 *
 * The portal under load, on the bench catalog (N synthetic lines, default
 * 100,000, seeded once into .bench-data): the production bundle is served,
 * and a second process (scripts/lib/load-driver.ts, autocannon) drives it on
 * loopback for S seconds (default 60) with C connections (default 50): half
 * on /api/v1/search queries, a quarter on /search pages, a quarter on line
 * pages. Then the same search queries straight to Meilisearch, same
 * duration and connections: the floor. Prints requests per second,
 * p50/p95/p99 and errors for each. Figures, not a pass/fail test.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { indexUid } from '#search/indexes/index.ts';
import { LINES, lineFacets } from '#search/indexes/lines.ts';
import { parseSearchParams } from '#schemas/search-params.ts';
import { buildFilter } from '#server/search/search.ts';
import { syntheticLine } from '#seed/synthetic.ts';
import { openBenchData, startBuiltPortal } from './lib/bench-data.ts';
import type { GroupResult, LoadPlan } from './lib/load-driver.ts';
import { bold, info } from './lib/log.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '100000' }, duration: { type: 'string', default: '60' }, connections: { type: 'string', default: '50' } } });
const N = Number(values.lines);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const root = path.resolve(import.meta.dirname, '..');

/** What researchers type (the bench's mix), as query strings of the public API. */
const queries = [
  'q=parkinson',
  'q=cardiomyopathy+ipsc',
  'q=parkinsn',
  'q=alzheimr+disease',
  'category=hesc&sex=female',
  'q=ipsc&grade=clinical&availability=available',
  '',
  `q=${syntheticLine(26).cells.name}`,
  'q=SYNAB',
  'q=SYNB-0000301',
  `q=${encodeURIComponent('帕金森')}`,
  `q=${encodeURIComponent('间充质干细胞')}`,
];

function runDriver(plan: LoadPlan): Promise<GroupResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/lib/load-driver.ts')], { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as GroupResult[]) : reject(new Error(`load driver exited with ${code}`))));
    child.stdin.end(JSON.stringify(plan));
  });
}

const pct = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

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
  console.log('\n' + 'target'.padEnd(34) + 'requests'.padStart(10) + 'req/s'.padStart(9) + 'p50'.padStart(10) + 'p95'.padStart(10) + 'p99'.padStart(10) + 'errors'.padStart(8));
  for (const r of rows) {
    const ms = (x: number) => `${x.toFixed(0)} ms`.padStart(10);
    console.log(r.name.padEnd(34) + r.requests.toLocaleString('en').padStart(10) + r.rps.toFixed(0).padStart(9) + ms(r.p50) + ms(r.p95) + ms(r.p99) + String(r.errors).padStart(8));
  }
}

const data = await openBenchData(N);
let portal: { base: string; stop(): void } | undefined;
try {
  portal = await startBuiltPortal(root, data);
  const { rows } = await data.pool.query<{ name: string }>(`SELECT name FROM lines WHERE status = 'published' ORDER BY md5(name) LIMIT 200`);
  const linePaths = rows.map((r) => `/lines/${encodeURIComponent(r.name)}`);
  const apiPaths = queries.map((q) => `/api/v1/search?${q}`);
  const searchPaths = queries.map((q) => `/search?${q}`);
  // Warm up: every path once, so the figures are of a running portal, not of its first requests.
  for (const p of [...apiPaths, ...searchPaths, ...linePaths.slice(0, 20)]) {
    const res = await fetch(portal.base + p);
    if (res.status !== 200) throw new Error(`${p} answered ${res.status} before the run`);
    await res.arrayBuffer();
  }

  const api = Math.round(CONNECTIONS / 2);
  const pages = Math.round((CONNECTIONS - api) / 2);
  info(`portal: ${DURATION} s, ${CONNECTIONS} connections (${api} /api/v1/search, ${pages} /search, ${CONNECTIONS - api - pages} line pages), ${data.documents.toLocaleString('en')} lines indexed`);
  const portalResults = await runDriver({
    durationS: DURATION,
    groups: [
      { name: '/api/v1/search', url: portal.base, connections: api, requests: apiPaths.map((path) => ({ path })) },
      { name: '/search (server-rendered)', url: portal.base, connections: pages, requests: searchPaths.map((path) => ({ path })) },
      { name: '/lines/{name}', url: portal.base, connections: CONNECTIONS - api - pages, requests: linePaths.map((path) => ({ path })) },
    ],
  });

  // The floor: the same searches (query, filters, every facet, one page) straight to Meilisearch.
  info(`Meilisearch directly: ${DURATION} s, ${CONNECTIONS} connections`);
  const bodies = queries.map((q) => {
    const p = parseSearchParams(new URLSearchParams(q));
    return JSON.stringify({ q: p.q, filter: buildFilter(p), facets: Object.values(lineFacets), hitsPerPage: 20, page: 1 });
  });
  const meiliResults = await runDriver({
    durationS: DURATION,
    groups: [
      {
        name: 'Meilisearch search',
        url: data.meiliServer.url,
        connections: CONNECTIONS,
        requests: bodies.map((body) => ({ method: 'POST', path: `/indexes/${indexUid('', LINES)}/search`, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${data.meiliServer.masterKey}` } })),
      },
    ],
  });

  const rowsOut = [...portalResults.map((g) => summarise(g.name, [g])), summarise('portal, all', portalResults), summarise('Meilisearch directly (floor)', meiliResults)];
  console.log(`\n${bold(`Load: ${data.documents.toLocaleString('en')} lines, ${CONNECTIONS} connections, ${DURATION} s each, loopback, client in a second process`)}`);
  print(rowsOut);
  const apiRow = rowsOut[0]!;
  const floor = rowsOut.at(-1)!;
  const portalAll = rowsOut.at(-2)!;
  console.log(`\n${bold('goals')}: errors ${portalAll.errors + floor.errors} (goal 0); API p99 ${apiRow.p99.toFixed(0)} ms (goal < 250 ms); API p95 / Meilisearch p95 ${(apiRow.p95 / floor.p95).toFixed(2)} (goal ≤ 1.5); all portal p95 / Meilisearch p95 ${(portalAll.p95 / floor.p95).toFixed(2)}`);
} finally {
  portal?.stop();
  await data.stop();
}

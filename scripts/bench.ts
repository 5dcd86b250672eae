/**
 * npm run bench [-- --lines N --rounds R --reindex]
 *
 * `npm run bench -- --lines 1000000 --reindex` is the million-line run: seeding
 * once takes a while (kept in .bench-data for later runs); `--reindex` times a
 * full rebuild of the indexes from PostgreSQL (search/reindex.ts) first.
 *
 * Search speed on a realistic catalog: seeds (or reuses) N synthetic lines
 * (default 100,000) in its own data directory (.bench-data, embedded
 * services), indexes them, starts the built portal on a free port, then for
 * a fixed query mix (plain words, typos, filters, facets, identifiers,
 * Chinese) prints the p50 / p95 of a direct Meilisearch query from Node and
 * of GET /api/v1/search, their ratio, the time to first byte of the
 * server-rendered /search, and the JavaScript (gzip) shipped to /search.
 */
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { Meilisearch } from 'meilisearch';
import { indexUid } from '#search/indexes/index.ts';
import { reindex } from '#search/reindex.ts';
import { LINES, lineFacets } from '#search/indexes/lines.ts';
import { buildFilter } from '#server/search/search.ts';
import { parseSearchParams } from '#schemas/search-params.ts';
import { openBenchData, startBuiltPortal } from './lib/bench-data.ts';
import { bold } from './lib/log.ts';
import { createProgress } from './lib/progress.ts';
import { syntheticLine } from '#seed/synthetic.ts';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '60' },
    reindex: { type: 'boolean', default: false },
  },
});
const N = Number(values.lines);
const ROUNDS = Number(values.rounds);
const root = path.resolve(import.meta.dirname, '..');

/** The query mix: what researchers type, as query strings of the public API. */
const mix: [string, string][] = [
  ['plain words', 'q=parkinson'],
  ['plain words', 'q=cardiomyopathy+ipsc'],
  ['typo', 'q=parkinsn'],
  ['typo', 'q=alzheimr+disease'],
  ['filters', 'category=hesc&sex=female'],
  ['filters + words', 'q=ipsc&grade=clinical&availability=available'],
  ['facets only', ''],
  ['identifier', `q=${syntheticLine(26).cells.name}`],
  ['identifier prefix', 'q=SYNAB'],
  ['batch number', 'q=SYNB-0000301'],
  ['Chinese', 'q=帕金森'],
  ['Chinese', 'q=间充质干细胞'],
  ['phrase read as filters', 'q=female+induced+pluripotent+stem+cells'],
  ['registry prefix', 'q=RRID%3ACVCL_9773'],
  ['protein variant', 'q=A53T'],
  ['zero results + suggestions', 'q=kardiomiopathy'],
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(9);

function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ttfb: number; total: number; status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(url, { agent, headers: { 'Accept-Encoding': 'identity', ...headers } }, (res) => {
        let ttfb = 0;
        const chunks: Buffer[] = [];
        res.once('data', () => (ttfb = performance.now() - t0));
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            ttfb,
            total: performance.now() - t0,
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      })
      .on('error', reject);
  });
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const data = await openBenchData(N);
const { meiliServer, meili } = data;
const stats = { numberOfDocuments: data.documents };
let server: { base: string; stop(): void } | undefined;
try {
  // A catalog seeded in this run was just indexed by a full reindex: that is the figure.
  let reindexSeconds = data.reindexSeconds;
  if (reindexSeconds !== undefined)
    console.log(
      `${bold('full reindex')} of the freshly seeded catalog: ${reindexSeconds.toFixed(1)} s (goal < 180 s at 1,000,000 lines)`,
    );
  else if (values.reindex) {
    const t0 = performance.now();
    const counts = await reindex({ pool: data.pool, meili });
    reindexSeconds = (performance.now() - t0) / 1000;
    console.log(
      `${bold('full reindex')}: ${Object.entries(counts)
        .map(([k, n]) => `${n.toLocaleString('en')} ${k}`)
        .join(', ')} in ${reindexSeconds.toFixed(1)} s (goal < 180 s at 1,000,000 lines)`,
    );
  }
  // Every search computed (no answer cache), so the signed-in column is the search service's own cost;
  // anonymous readers still get the page cache, as in production.
  const portal = await startBuiltPortal(root, data, { SEARCH_ANSWER_CACHE: '0' });
  server = portal;

  // The raw floor: the same search (query, filters, every facet, one page) straight to Meilisearch.
  const direct = (client: Meilisearch, query: string) => {
    const p = parseSearchParams(new URLSearchParams(query));
    return client
      .index(indexUid('', LINES))
      .search(p.q, { filter: buildFilter(p), facets: Object.values(lineFacets), hitsPerPage: 20, page: 1 });
  };
  const gzipClient = new Meilisearch({ host: meiliServer.url, apiKey: meiliServer.masterKey });

  // warm up
  for (const [, q] of mix) {
    await direct(meili, q);
    await get(`${portal.base}/api/v1/search?${q}`);
  }
  // `api`: as an anonymous reader (the page cache answers repeats); `uncached`: with a session
  // cookie, which the cache never serves, so every answer is computed (the search service's own cost).
  const bypass = { Cookie: '__Host-session=bench-bypass' };
  const results: { kind: string; q: string; direct: number[]; api: number[]; uncached: number[] }[] = mix.map(
    ([kind, q]) => ({ kind, q, direct: [], api: [], uncached: [] }),
  );
  const allUncached: number[] = [];
  const allDirect: number[] = [];
  const allApi: number[] = [];
  const progress = createProgress();
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of results) {
      let t0 = performance.now();
      await direct(meili, r.q);
      const d = performance.now() - t0;
      t0 = performance.now();
      const res = await get(`${portal.base}/api/v1/search?${r.q}`);
      const a = performance.now() - t0;
      if (res.status !== 200)
        throw new Error(`/api/v1/search?${r.q} answered ${res.status}: ${res.body.slice(0, 200)}`);
      r.direct.push(d);
      r.api.push(a);
      t0 = performance.now();
      const u = await get(`${portal.base}/api/v1/search?${r.q}`, bypass);
      if (u.status !== 200) throw new Error(`/api/v1/search?${r.q} (uncached) answered ${u.status}`);
      r.uncached.push(performance.now() - t0);
      allUncached.push(performance.now() - t0);
      allDirect.push(d);
      allApi.push(a);
    }
    progress.update(round + 1, ROUNDS, 'rounds');
  }
  progress.done();

  const gzipTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    await direct(gzipClient, 'q=parkinson');
    gzipTimes.push(performance.now() - t0);
  }

  const ttfb: number[] = [];
  for (let i = 0; i < ROUNDS; i++) ttfb.push((await get(`${portal.base}/search?q=parkinson&category=ipsc`)).ttfb);
  const ttfbUncached: number[] = [];
  for (let i = 0; i < ROUNDS; i++)
    ttfbUncached.push((await get(`${portal.base}/search?q=parkinson&category=ipsc`, bypass)).ttfb);

  // JavaScript shipped to /search: every module the page loads, followed through its imports.
  const html = (await get(`${portal.base}/search?q=parkinson`)).body;
  const seen = new Set<string>();
  const queue = [...html.matchAll(/(?:src|component-url|renderer-url)="(\/_astro\/[^"]+\.js)"/g)].map((m) => m[1]!);
  let jsBytes = 0;
  let jsGzip = 0;
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const body = (await get(portal.base + file)).body;
    jsBytes += Buffer.byteLength(body);
    jsGzip += gzipSync(body).length;
    for (const m of body.matchAll(/(?:from|import)\s*["'](\.{0,2}\/[^"']+\.js)["']/g))
      queue.push(new URL(m[1]!, portal.base + file).pathname);
  }

  console.log(
    `\n${bold(`Search at ${stats.numberOfDocuments.toLocaleString('en')} lines`)}, ${ROUNDS} rounds of ${mix.length} queries (2-core machine, loopback)\n`,
  );
  console.log(`${'query'.padEnd(34)}direct p50  direct p95     API p50     API p95  uncached p95`);
  for (const r of results) {
    console.log(
      `${`${r.kind}: ${r.q || '(none)'}`.slice(0, 33).padEnd(34)}${ms(pct(r.direct, 50))}   ${ms(pct(r.direct, 95))}   ${ms(pct(r.api, 50))}   ${ms(pct(r.api, 95))}   ${ms(pct(r.uncached, 95))}`,
    );
  }
  const d95 = pct(allDirect, 95);
  const a95 = pct(allApi, 95);
  const u95 = pct(allUncached, 95);
  console.log(
    `\n${bold('all queries')}: direct Meilisearch p50 ${pct(allDirect, 50).toFixed(1)} ms, p95 ${d95.toFixed(1)} ms; /api/v1/search p50 ${pct(allApi, 50).toFixed(1)} ms, p95 ${a95.toFixed(1)} ms`,
  );
  console.log(
    `${bold('API / direct p95 ratio')}: ${(a95 / d95).toFixed(2)} (goal ≤ 1.2 at 100,000 lines, ≤ 1.5 at 1,000,000); uncached (signed-in) API p50 ${pct(allUncached, 50).toFixed(1)} ms, p95 ${u95.toFixed(1)} ms, ratio ${(u95 / d95).toFixed(2)}`,
  );
  if (reindexSeconds !== undefined) console.log(`${bold('full reindex')}: ${reindexSeconds.toFixed(1)} s`);
  console.log(
    `${bold('gzip trap')}: the same query with the client's default (gzip) encoding: p50 ${pct(gzipTimes, 50).toFixed(1)} ms vs ${pct(results[0]!.direct, 50).toFixed(1)} ms with identity encoding`,
  );
  console.log(
    `${bold('/search server-rendered')}: time to first byte p50 ${pct(ttfb, 50).toFixed(1)} ms, p95 ${pct(ttfb, 95).toFixed(1)} ms (goal p95 < 20 ms); uncached (signed-in) p50 ${pct(ttfbUncached, 50).toFixed(1)} ms, p95 ${pct(ttfbUncached, 95).toFixed(1)} ms`,
  );
  console.log(
    `${bold('JavaScript for /search')}: ${seen.size} files, ${(jsBytes / 1024).toFixed(1)} kB, ${(jsGzip / 1024).toFixed(1)} kB gzip (goal < 60 kB gzip)`,
  );
} finally {
  server?.stop();
  await data.stop();
}

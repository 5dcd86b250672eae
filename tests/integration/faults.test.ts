/**
 * npm run test:faults (also part of npm test): the portal under faults, on a
 * throwaway PostgreSQL and Meilisearch this file owns.
 *
 * - an import killed in the middle of writing leaves the whole file or none of it;
 * - Meilisearch killed while catalog edits are written: the index converges
 *   to the database once it is back, nothing lost;
 * - PostgreSQL stopped under traffic: 200s turn into clean 503s (never a 500
 *   or a dropped connection), then back to 200 by themselves.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { startEmbeddedMeilisearch, type EmbeddedMeiliHandle } from '#scripts/lib/embedded-meilisearch.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '#scripts/lib/embedded-postgres.ts';
import { createSearchClient } from '#search/client.ts';
import { indexUid } from '#search/indexes/index.ts';
import { LINES, loadLineDocuments } from '#search/indexes/lines.ts';
import { BATCHES } from '#search/indexes/batches.ts';
import { driveTo, makeCaller, seedLineWithBatch, submittedRequest } from '../support/requests.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { drainAll, pendingOutbox } from '#search/sync.ts';
import { lineColumns } from '#schemas/catalog-input.ts';
import { syntheticFiles, syntheticLine } from '#seed/synthetic.ts';
import { formatProblem, importText } from '#server/catalog/import/import-file.ts';
import { startPortalServer, type RunningServer } from '../support/server.ts';

const BASE_LINES = 300;
let dataDir: string;
let pgServer: EmbeddedPostgresHandle;
let meili: EmbeddedMeiliHandle;
let pool: ReturnType<typeof createPool>;
let server: RunningServer;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-faults-'));
  [pgServer, meili] = await Promise.all([startEmbeddedPostgres({ dataDir }), startEmbeddedMeilisearch({ dataDir })]);
  pool = createPool(pgServer.url, { max: 3 });
  await runMigrations(pool);
  const report = await importText(pool, 'base.tsv', syntheticFiles(0, BASE_LINES).lines, { format: 'tsv' });
  expect(report.problems).toEqual([]);
  const search = createSearchClient({ url: meili.url, apiKey: meili.masterKey, timeoutMs: 60_000 });
  await ensureSearchIndexes(search, '');
  await drainAll({ pool, meili: search, prefix: '' });
  // Traffic from one address far beyond the public API's budget: the limit is not what this file tests.
  server = await startPortalServer({
    DATABASE_URL: pgServer.url,
    MEILI_URL: meili.url,
    MEILI_MASTER_KEY: meili.masterKey,
    API_RATE_LIMIT: '1000000',
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (pool && !pool.ended) await pool.end();
  await meili?.stop();
  await pgServer?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${server.output().slice(-2000)}`);
    await sleep(100);
  }
}

describe('an import killed mid-file', () => {
  test('leaves none of the file; run to the end, all of it', async () => {
    const from = 10_000;
    const count = 5_000;
    const file = path.join(dataDir, 'big.tsv');
    writeFileSync(file, syntheticFiles(from, from + count).lines);
    const names = Array.from({ length: count }, (_, i) => syntheticLine(from + i).cells.name);
    const inFile = async () =>
      (await pool.query(`SELECT count(*)::int AS n FROM lines WHERE name = ANY($1::text[])`, [names])).rows[0]
        .n as number;
    const env = { ...process.env, DATABASE_URL: pgServer.url };

    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file], { env, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    // Kill it while its writes are on the server: one of the importer's bulk (unnest) writes is running.
    const writing = async () =>
      (
        await pool.query(
          `SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND state = 'active' AND query ~* '^\\s*(insert|update|with)' AND query ~* 'unnest'`,
        )
      ).rowCount! > 0;
    await until('the import to start writing', writing, 60_000);
    child.kill('SIGKILL');
    await exited;
    // The server rolls the transaction back once it notices its client is gone.
    await until(
      'the killed import to leave the server',
      async () =>
        (
          await pool.query(
            `SELECT 1 FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = current_database() AND application_name = 'stem-cell-portal' AND backend_type = 'client backend' AND query !~* 'pg_stat_activity' AND state <> 'idle'`,
          )
        ).rowCount === 0,
      30_000,
    );
    expect(await inFile(), 'a killed import writes nothing').toBe(0);

    const whole = spawn(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file], { env, stdio: 'ignore' });
    expect(await new Promise((r) => whole.once('exit', r))).toBe(0);
    expect(await inFile()).toBe(count);
  }, 120_000);
});

describe('Meilisearch killed while catalog edits and request events are written', () => {
  test('the index converges to the database, nothing lost', async () => {
    // The request chain writes too: reservations move stock, which search shows (available vials).
    const db = createDatabase(pool);
    await seedLineWithBatch(pool, 'FAULT-LINE', 'FAULT-B-1', 100);
    const rita = await makeCaller(db, 'requester');
    const anna = await makeCaller(db, 'staff');
    const requestIds: number[] = [];
    const EDITS = 45;
    const header = lineColumns.join('\t');
    const row = (cells: Record<string, string>) => lineColumns.map((c) => cells[c] ?? '').join('\t');
    let meiliDown = 0;
    // The portal's outbox worker starts with its first request.
    expect((await fetch(`${server.url}/api/health`)).status).toBe(200);
    for (let k = 0; k < EDITS; k++) {
      // One edit: a changed line and a new one, through the importer (audit, outbox, one transaction).
      const changed = { ...syntheticLine(k).cells, availability: k % 2 ? 'restricted' : 'not available' };
      const added = syntheticLine(20_000 + k).cells;
      const report = await importText(pool, `edit-${k}.tsv`, `${header}\n${row(changed)}\n${row(added)}\n`, {
        format: 'tsv',
        actor: 'faults',
      });
      expect(report.problems.map((p) => formatProblem(report.file, p))).toEqual([]);
      if (k === 10) {
        meili.process.kill('SIGKILL');
        await new Promise((r) => meili.process.once('exit', r));
        meiliDown = Date.now();
      }
      if (k === 35) meili = await startEmbeddedMeilisearch({ dataDir, port: meili.port });
      if (k % 3 === 0) {
        // A request from submission to reserved: request events, audit, a stock movement and its outbox rows.
        const id = await submittedRequest(db, rita, 'FAULT-LINE', 'FAULT-B-1', 2);
        await driveTo(db, id, 'reserved', anna);
        requestIds.push(id);
      }
      await sleep(60);
    }
    expect(Date.now() - meiliDown).toBeGreaterThan(1_000);
    const retried = (await pool.query(`SELECT count(*)::int AS n FROM search_outbox WHERE attempts > 0`)).rows[0].n;
    expect(retried, 'the worker failed while Meilisearch was down').toBeGreaterThan(0);

    await until('the search outbox to drain', async () => (await pendingOutbox(pool)) === 0, 90_000);
    const search = createSearchClient({ url: meili.url, apiKey: meili.masterKey, timeoutMs: 60_000 });
    const index = search.index(indexUid('', LINES));
    const documents = new Map<number, string>();
    for (let offset = 0; ; offset += 1_000) {
      const page = await index.getDocuments<{ id: number; availability: string }>({
        fields: ['id', 'availability'],
        limit: 1_000,
        offset,
      });
      for (const d of page.results) documents.set(d.id, d.availability);
      if (page.results.length < 1_000) break;
    }
    // What the database says now, through the same mapping the sync uses (availability is derived from the stock).
    const { rows: ids } = await pool.query<{ id: number }>(`SELECT id FROM lines WHERE status = 'published'`);
    const client = await pool.connect();
    const expected = await loadLineDocuments(
      client,
      ids.map((r) => r.id),
    ).finally(() => client.release());
    expect(documents.size).toBe(expected.documents.length);
    expect(Object.fromEntries(documents)).toEqual(
      Object.fromEntries(expected.documents.map((d) => [d.id, d.availability])),
    );
    // The batch the requests reserved from: its document shows what the ledger leaves available.
    const { rows: batchRows } = await pool.query<{ id: number; vials_available: number }>(
      `SELECT id, vials_available FROM batches WHERE number = 'FAULT-B-1'`,
    );
    expect(batchRows[0]!.vials_available, 'every reservation reached the ledger').toBe(100 - 2 * requestIds.length);
    const batchDoc = await search
      .index(indexUid('', BATCHES))
      .getDocument<{ vials_available: number }>(batchRows[0]!.id);
    expect(batchDoc.vials_available, 'search shows the stock after the outage').toBe(batchRows[0]!.vials_available);
    const events = await pool.query(`SELECT count(*)::int AS n FROM request_events WHERE request_id = ANY($1)`, [
      requestIds,
    ]);
    expect(events.rows[0].n, 'request events written during the outage are all there').toBeGreaterThanOrEqual(
      requestIds.length * 5,
    );
    const hits = await fetch(
      `${server.url}/api/v1/search?q=${encodeURIComponent(syntheticLine(20_000 + EDITS - 1).cells.name!)}`,
    );
    expect((await hits.json()).hits[0].name).toBe(syntheticLine(20_000 + EDITS - 1).cells.name);
  }, 150_000);
});

describe('PostgreSQL stopped under traffic', () => {
  test('answers turn into 503s, never 500s or dropped connections, and come back to 200 by themselves', async () => {
    const name = syntheticLine(1).cells.name!;
    const paths = [
      `/lines/${encodeURIComponent(name)}`,
      `/api/v1/lines/${encodeURIComponent(name)}`,
      '/statistics',
      '/api/v1/search?q=ipsc',
    ];
    const seen: { at: number; path: string; status: number | string }[] = [];
    let running = true;
    const client = async (offset: number) => {
      for (let i = offset; running; i++) {
        const p = paths[i % paths.length]!;
        try {
          const res = await fetch(server.url + p, { signal: AbortSignal.timeout(15_000) });
          await res.arrayBuffer();
          seen.push({ at: Date.now(), path: p, status: res.status });
        } catch (error) {
          seen.push({ at: Date.now(), path: p, status: (error as Error).message });
        }
      }
    };
    const clients = Array.from({ length: 6 }, (_, i) => client(i));
    await sleep(1_000);
    await pool.end();
    await pgServer.stop();
    const stoppedAt = Date.now();
    await sleep(3_000);
    const restarting = Date.now();
    pgServer = await startEmbeddedPostgres({ dataDir, port: pgServer.port });
    const restartedAt = Date.now();
    const lastAfterRestart = () => seen.filter((s) => s.at > restartedAt).slice(-20);
    await until(
      '200s again',
      async () => lastAfterRestart().length === 20 && lastAfterRestart().every((s) => s.status === 200),
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nlast answers: ${JSON.stringify(seen.slice(-12))}`);
    });
    running = false;
    await Promise.all(clients);
    pool = createPool(pgServer.url, { max: 3 });

    const statuses = new Set(seen.map((s) => s.status));
    expect(
      [...statuses].sort(),
      `only 200 and 503; others: ${JSON.stringify(seen.filter((s) => s.status !== 200 && s.status !== 503).slice(0, 5))}\n${server
        .output()
        .split('\n')
        .filter((l) => /"status":500|error/i.test(l))
        .slice(0, 8)
        .join('\n')}`,
    ).toEqual([200, 503]);
    expect(seen.filter((s) => s.at < stoppedAt && s.status === 200).length).toBeGreaterThan(10);
    const during = seen.filter((s) => s.at > stoppedAt + 500 && s.at < restarting);
    expect(during.length).toBeGreaterThan(10);
    expect(
      during.filter((s) => s.path !== '/api/v1/search?q=ipsc' && s.status !== 503),
      'pages and API that need PostgreSQL say 503',
    ).toEqual([]);
  }, 120_000);
});

/**
 * The benchmarks' catalog (npm run bench, npm run test:load): N synthetic
 * lines seeded once into their own data directory (.bench-data, embedded
 * services) and indexed; later runs reuse them. And the built portal served
 * against it on a free port.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Meilisearch } from 'meilisearch';
import type pg from 'pg';
import { createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { EMBEDDED_APP } from '#db/roles.ts';
import { createSearchClient } from '#search/client.ts';
import { indexUid } from '#search/indexes/index.ts';
import { LINES } from '#search/indexes/lines.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { countDocuments, reindex } from '#search/reindex.ts';
import { drainAll, pendingOutbox } from '#search/sync.ts';
import { isBuildCurrent, markBuilt } from './build-stamp.ts';
import { startEmbeddedMeilisearch, type EmbeddedMeiliHandle } from './embedded-meilisearch.ts';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres.ts';
import { findFreePort, waitForPort } from './free-port.ts';
import { info } from './log.ts';
import { createProgress } from './progress.ts';
import { seedSyntheticLines } from './seed-synthetic.ts';

/** Past this many pending changes a fresh bench catalog is indexed by a full reindex. */
const FULL_REINDEX_ABOVE = 20_000;

export interface BenchData {
  pgServer: EmbeddedPostgresHandle;
  meiliServer: EmbeddedMeiliHandle;
  pool: pg.Pool;
  meili: Meilisearch;
  documents: number;
  /** Seconds of the full reindex that indexed a freshly seeded catalog, when that happened in this run. */
  reindexSeconds?: number;
  stop(): Promise<void>;
}

export async function openBenchData(
  lines: number,
  dataDir = path.resolve(process.env.BENCH_DATA_DIR ?? '.bench-data'),
): Promise<BenchData> {
  mkdirSync(dataDir, { recursive: true });
  const pgServer = await startEmbeddedPostgres({ dataDir });
  const meiliServer = await startEmbeddedMeilisearch({ dataDir });
  const pool = createPool(pgServer.ownerUrl, { max: 4 });
  const stop = async () => {
    await pool.end();
    await meiliServer.stop();
    await pgServer.stop();
  };
  try {
    await runMigrations(pool, { appRole: EMBEDDED_APP });
    const meili = createSearchClient({ url: meiliServer.url, apiKey: meiliServer.masterKey, timeoutMs: 600_000 });
    await ensureSearchIndexes(meili);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM lines WHERE synthetic`);
    if (rows[0].n < lines) {
      info(`seeding ${lines.toLocaleString('en')} synthetic lines into ${dataDir} (once; later runs reuse them)`);
      await seedSyntheticLines(pool, lines, createProgress());
    }
    const pending = await pendingOutbox(pool);
    let reindexSeconds: number | undefined;
    if (pending > FULL_REINDEX_ABOVE) {
      // A freshly seeded catalog: building the indexes from the tables is much faster than replaying the outbox.
      info(`indexing ${pending.toLocaleString('en')} outbox rows by a full reindex`);
      const { rows: marks } = await pool.query<{ mark: string }>('SELECT max(id)::text AS mark FROM search_outbox');
      const totals = await countDocuments(pool);
      const progress = createProgress();
      const t0 = performance.now();
      await reindex({ pool, meili }, (index, done) => progress.update(done, totals[index] ?? done, index));
      progress.done();
      reindexSeconds = (performance.now() - t0) / 1000;
      info(`indexed in ${reindexSeconds.toFixed(1)} s`);
      await pool.query('UPDATE search_outbox SET processed_at = now() WHERE processed_at IS NULL AND id <= $1', [
        marks[0]!.mark,
      ]);
    }
    const left = await pendingOutbox(pool);
    if (left) {
      info(`indexing ${left.toLocaleString('en')} outbox rows`);
      const progress = createProgress();
      let done = 0;
      await drainAll({ pool, meili }, (r) => {
        done += r.claimed;
        progress.update(done, left, 'rows');
      });
      progress.done();
    }
    const stats = await meili.index(indexUid('', LINES)).getStats();
    info(`lines index: ${stats.numberOfDocuments.toLocaleString('en')} documents`);
    return { pgServer, meiliServer, pool, meili, documents: stats.numberOfDocuments, reindexSeconds, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** Runs the production server (building it first when the sources changed) against the bench data. */
export async function startBuiltPortal(
  root: string,
  data: BenchData,
  env: Record<string, string> = {},
): Promise<{ base: string; stop(): void }> {
  if (!isBuildCurrent(root)) {
    info('building the portal');
    execFileSync(process.execPath, [path.join(root, 'node_modules/astro/bin/astro.mjs'), 'build'], {
      cwd: root,
      stdio: 'ignore',
      env: { ...process.env, NODE_ENV: 'production', ASTRO_TELEMETRY_DISABLED: '1' },
    });
    markBuilt(root);
  }
  const port = await findFreePort();
  // As `npm start` serves it: one worker per core (WEB_CONCURRENCY), scripts/lib/serve.ts.
  const server = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'scripts/lib/serve.ts'), path.join(root, 'dist/server/entry.mjs')],
    {
      cwd: root,
      stdio: 'ignore',
      env: {
        ...process.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        NODE_ENV: 'production',
        // All load comes from one loopback address: lift the per-address API budget, which is not what is measured.
        API_RATE_LIMIT: '1000000000',
        CSV_RATE_LIMIT: '1000000000',
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATABASE_URL: data.pgServer.appUrl,
        MEILI_URL: data.meiliServer.url,
        MEILI_MASTER_KEY: data.meiliServer.masterKey,
        ...env,
      },
    },
  );
  await waitForPort(port);
  return { base: `http://127.0.0.1:${port}`, stop: () => void server.kill('SIGTERM') };
}

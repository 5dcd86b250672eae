/**
 * npm run bench:import [-- --lines N]
 *
 * Imports N (default 50,000) synthetic lines from one canonical TSV file into
 * a fresh, temporary PostgreSQL (embedded, removed afterwards), then imports
 * the same file again, and prints lines per second for both.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { EMBEDDED_APP } from '#db/roles.ts';
import { syntheticFiles } from '#seed/synthetic.ts';
import { importFile } from '#server/catalog/import/import-file.ts';
import { startEmbeddedPostgres } from './lib/embedded-postgres.ts';
import { bold } from './lib/log.ts';
import { createProgress } from './lib/progress.ts';

const { values } = parseArgs({ options: { lines: { type: 'string', default: '50000' } } });
const n = Number(values.lines);
const dir = mkdtempSync(path.join(os.tmpdir(), 'portal-bench-import-'));
const pgServer = await startEmbeddedPostgres({ dataDir: dir });
const pool = createPool(pgServer.ownerUrl, { max: 2 });
try {
  await runMigrations(pool, { appRole: EMBEDDED_APP });
  const file = path.join(dir, `synthetic-${n}.tsv`);
  const t0 = performance.now();
  writeFileSync(file, syntheticFiles(0, n).lines);
  console.log(
    `generated ${n.toLocaleString('en')} synthetic lines in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  for (const run of ['first import (all inserted)', 'second import (all unchanged)']) {
    const progress = createProgress();
    const start = performance.now();
    const report = await importFile(pool, file, {
      format: 'tsv',
      actor: 'bench',
      onProgress: (_p, done, total) => progress.update(done, total, 'lines'),
    });
    progress.done();
    const seconds = (performance.now() - start) / 1000;
    const { inserted, updated, unchanged } = report.counts;
    console.log(
      `${bold(run)}: ${n.toLocaleString('en')} lines in ${seconds.toFixed(2)} s = ${bold(Math.round(n / seconds).toLocaleString('en'))} lines/s (${inserted} inserted, ${updated} updated, ${unchanged} unchanged)`,
    );
  }
} finally {
  await pool.end();
  await pgServer.stop();
  rmSync(dir, { recursive: true, force: true });
}

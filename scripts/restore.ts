/**
 * npm run restore -- DIR: checks a backup against its manifest, loads it into
 * an empty database (refusing one that has tables), restores sequences and
 * audit anchors, then rebuilds the search indexes from PostgreSQL.
 * Exit 0 restored, 1 refused or failed (nothing half-loaded: one transaction), 2 usage.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPool } from '#db/client.ts';
import { migrationsFolder, runMigrations } from '#db/migrate.ts';
import { createSearchClient } from '#search/client.ts';
import { countDocuments, reindex } from '#search/reindex.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { BackupError, restoreBackup } from '#server/platform/backup.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { resolveDataDir } from './lib/data-dir.ts';
import { bold, fail, green } from './lib/log.ts';
import { createProgress } from './lib/progress.ts';

const args = process.argv.slice(2);
if (args.length !== 1 || args[0]!.startsWith('-'))
  fail('usage: npm run restore -- DIR   (a directory written by npm run backup)', 2);
const dir = path.resolve(args[0]!);

const config = loadConfigOrExit();
const services = await connectServices(config, { needSearch: true });
const pool = createPool(services.ownerUrl, { max: 2 });
let exitCode = 0;
try {
  const knownMigrations = (
    JSON.parse(readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8')) as { entries: unknown[] }
  ).entries.length;
  const progress = createProgress();
  const t0 = performance.now();
  const report = await restoreBackup({
    pool,
    dir,
    migrate: (p) => runMigrations(p, { appRole: services.appRole }),
    knownMigrations,
    dataDir: resolveDataDir(config.DATA_DIR),
    onProgress: (step, done, total) => progress.update(done, total, step),
  });
  progress.done();
  console.log(
    `${bold(dir)}: ${report.tables} tables, ${report.rows.toLocaleString('en')} rows restored in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  for (const f of report.files) console.log(`  audit anchors: ${f}`);
  const meili = createSearchClient({ url: services.meiliUrl, apiKey: services.meiliKey, timeoutMs: 300_000 });
  await ensureSearchIndexes(meili, config.MEILI_INDEX_PREFIX);
  const t1 = performance.now();
  const totals = await countDocuments(pool);
  const counts = await reindex({ pool, meili, prefix: config.MEILI_INDEX_PREFIX }, (index, done) =>
    progress.update(done, totals[index] ?? done, `${index} indexed`),
  );
  progress.done();
  console.log(
    `search rebuilt: ${Object.entries(counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')} in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
  );
  console.log(green('restore complete; check it with npm run audit:verify'));
} catch (error) {
  console.error(`error: ${error instanceof BackupError ? error.message : (error as Error).stack}`);
  exitCode = 1;
} finally {
  await pool.end();
  await services.stop();
}
process.exit(exitCode);

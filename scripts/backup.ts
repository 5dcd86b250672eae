/**
 * npm run backup -- DIR: a consistent snapshot of the whole database (every
 * table, in one REPEATABLE READ transaction), the search settings and the
 * audit anchors, with a manifest of row counts and SHA-256 sums.
 * See src/lib/server/platform/backup.ts. Exit 0 done, 1 failed, 2 usage.
 */
import path from 'node:path';
import { createPool } from '#db/client.ts';
import { createSearchClient } from '#search/client.ts';
import { BackupError, createBackup } from '#server/platform/backup.ts';
import { version } from '#server/platform/version.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { resolveDataDir } from './lib/data-dir.ts';
import { bold, fail, green } from './lib/log.ts';
import { createProgress } from './lib/progress.ts';

const args = process.argv.slice(2);
if (args.length !== 1 || args[0]!.startsWith('-')) fail('usage: npm run backup -- DIR   (a new or empty directory)', 2);
const dir = path.resolve(args[0]!);

const config = loadConfigOrExit();
const services = await connectServices(config, { needSearch: true });
const pool = createPool(services.ownerUrl, { max: 1 });
let exitCode = 0;
try {
  const progress = createProgress();
  const t0 = performance.now();
  const manifest = await createBackup({
    pool,
    dir,
    portalVersion: version,
    meili: {
      client: createSearchClient({ url: services.meiliUrl, apiKey: services.meiliKey }),
      prefix: config.MEILI_INDEX_PREFIX,
    },
    dataDir: resolveDataDir(config.DATA_DIR),
    onProgress: (step, done, total) => progress.update(done, total, step),
  });
  progress.done();
  const rows = manifest.tables.reduce((n, t) => n + t.rows, 0);
  const bytes = [...manifest.tables, ...manifest.files].reduce((n, f) => n + f.bytes, 0);
  console.log(
    `${bold(dir)}: ${manifest.tables.length} tables, ${rows.toLocaleString('en')} rows, ${manifest.sequences.length} sequences, ${manifest.files.length} other file(s) (${(bytes / 1e6).toFixed(1)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  for (const t of manifest.tables.filter((t) =>
    ['audit_events', 'stock_movements', 'lines', 'batches'].includes(t.name),
  ))
    console.log(`  ${t.name}: ${t.rows.toLocaleString('en')} rows`);
  console.log(green('backup written; manifest.json lists every file with its SHA-256'));
} catch (error) {
  console.error(`error: ${error instanceof BackupError ? error.message : (error as Error).stack}`);
  exitCode = 1;
} finally {
  await pool.end();
  await services.stop();
}
process.exit(exitCode);

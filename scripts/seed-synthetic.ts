/**
 * npm run seed:synthetic -- --lines N
 *
 * Adds N deterministic synthetic lines (and a batch with QC results for every
 * third one) through the canonical importer, in chunks of 10,000: re-running
 * with the same N changes nothing. Uses the same database as `npm start`.
 */
import { parseArgs } from 'node:util';
import { createPool } from '../db/client.ts';
import { runMigrations } from '../db/migrate.ts';
import { syntheticFiles } from '../db/seed/synthetic.ts';
import { parseConfig } from '../src/lib/server/config.ts';
import { formatProblem, importText } from '../src/lib/server/import/import-file.ts';
import { connectServices } from './lib/connect.ts';
import { fail } from './lib/log.ts';
import { createProgress } from './lib/progress.ts';

const { values } = parseArgs({ options: { lines: { type: 'string' } } });
const total = Number(values.lines);
if (!Number.isInteger(total) || total < 1 || total > 200_000) {
  console.error('usage: npm run seed:synthetic -- --lines N   (1 to 200000)');
  process.exit(2);
}

const config = parseConfig();
const services = await connectServices(config, { needSearch: false });
const pool = createPool(services.databaseUrl, { max: 2 });
try {
  await runMigrations(pool);
  const summary = await seedSynthetic(pool, total, createProgress());
  console.log(`synthetic lines 1-${total}: ${summary.inserted} inserted, ${summary.updated} updated, ${summary.unchanged} unchanged in ${summary.seconds.toFixed(1)} s`);
} catch (error) {
  fail((error as Error).message);
} finally {
  await pool.end();
  await services.stop();
}

export async function seedSynthetic(pool: ReturnType<typeof createPool>, count: number, progress = createProgress()) {
  const CHUNK = 10_000;
  const t0 = performance.now();
  const sum = { inserted: 0, updated: 0, unchanged: 0, seconds: 0 };
  for (let from = 0; from < count; from += CHUNK) {
    const files = syntheticFiles(from, Math.min(count, from + CHUNK));
    for (const [name, text] of [['lines', files.lines], ['batches', files.batches], ['qc', files.qc]] as const) {
      const report = await importText(pool, `synthetic-${name}-${from}.tsv`, text, { format: 'tsv', actor: 'seed:synthetic' });
      if (report.problems.length) throw new Error(formatProblem(report.file, report.problems[0]!));
      if (name === 'lines') for (const k of ['inserted', 'updated', 'unchanged'] as const) sum[k] += report.counts[k];
    }
    progress.update(Math.min(count, from + CHUNK), count, 'lines');
  }
  progress.done();
  sum.seconds = (performance.now() - t0) / 1000;
  return sum;
}

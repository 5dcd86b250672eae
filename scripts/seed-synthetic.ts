/**
 * npm run seed:synthetic -- --lines N
 *
 * Adds N deterministic synthetic lines (and a batch with QC results for every
 * third one) through the canonical importer, in chunks of 10,000: re-running
 * with the same N changes nothing. Uses the same database as `npm start`.
 */
import { parseArgs } from 'node:util';
import { createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { fail } from './lib/log.ts';
import { createProgress } from './lib/progress.ts';
import { seedSyntheticLines } from './lib/seed-synthetic.ts';

const { values } = parseArgs({ options: { lines: { type: 'string' } } });
const total = Number(values.lines);
if (!Number.isInteger(total) || total < 1 || total > 200_000) {
  console.error('usage: npm run seed:synthetic -- --lines N   (1 to 200000)');
  process.exit(2);
}

const config = loadConfigOrExit();
const services = await connectServices(config, { needSearch: false });
const pool = createPool(services.ownerUrl, { max: 2 });
try {
  await runMigrations(pool);
  const summary = await seedSyntheticLines(pool, total, createProgress());
  console.log(
    `synthetic lines 1-${total}: ${summary.inserted} inserted, ${summary.updated} updated, ${summary.unchanged} unchanged in ${summary.seconds.toFixed(1)} s`,
  );
} catch (error) {
  fail((error as Error).message);
} finally {
  await pool.end();
  await services.stop();
}

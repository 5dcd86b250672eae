/**
 * npm run search:reindex: rebuilds every index from PostgreSQL into a
 * temporary index and swaps it in. Searches keep answering throughout.
 */
import { createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { createSearchClient } from '#search/client.ts';
import { countDocuments, reindex } from '#search/reindex.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { createProgress } from './lib/progress.ts';

const config = loadConfigOrExit();
const services = await connectServices(config, { needSearch: true });
const pool = createPool(services.ownerUrl, { max: 2 });
try {
  await runMigrations(pool);
  const meili = createSearchClient({ url: services.meiliUrl, apiKey: services.meiliKey, timeoutMs: 300_000 });
  const totals = await countDocuments(pool);
  const progress = createProgress();
  const t0 = performance.now();
  const counts = await reindex({ pool, meili, prefix: config.MEILI_INDEX_PREFIX }, (index, done) =>
    progress.update(done, totals[index] ?? done, index),
  );
  progress.done();
  console.log(
    `reindexed ${Object.entries(counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
} finally {
  await pool.end();
  await services.stop();
}

/** npm run search:sync: drains the search outbox once, now, and says what it did. */
import { createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { createSearchClient } from '#search/client.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { drainAll, pendingOutbox } from '#search/sync.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { fail } from './lib/log.ts';
import { createProgress } from './lib/progress.ts';

const config = loadConfigOrExit();
const services = await connectServices(config, { needSearch: true });
const pool = createPool(services.ownerUrl, { max: 2 });
try {
  await runMigrations(pool);
  const meili = createSearchClient({ url: services.meiliUrl, apiKey: services.meiliKey, timeoutMs: 120_000 });
  await ensureSearchIndexes(meili, config.MEILI_INDEX_PREFIX);
  const pending = await pendingOutbox(pool);
  const progress = createProgress();
  let done = 0;
  const r = await drainAll({ pool, meili, prefix: config.MEILI_INDEX_PREFIX }, (b) => {
    done += b.claimed;
    progress.update(done, pending, 'outbox rows');
  });
  progress.done();
  if (r.failed) fail(`sync stopped: ${r.error} (the rows stay queued and will be retried)`);
  console.log(
    `${r.claimed} outbox rows: ${r.upserted} documents indexed, ${r.deleted} removed; ${await pendingOutbox(pool)} still pending`,
  );
} finally {
  await pool.end();
  await services.stop();
}

/**
 * Brings a migrated database and its search indexes to a servable state:
 * the clinical reference table, the demo catalog into an empty database,
 * index settings applied when they drift, and the search outbox drained, so
 * the first page served already finds everything.
 */
import type pg from 'pg';
import { isCatalogEmpty, loadClinicalReference, loadDemoCatalog } from '#seed/load-demo.ts';
import { createSearchClient, type SearchConnection } from '#search/client.ts';
import { reindex } from '#search/reindex.ts';
import { ensureSearchIndexes } from '#search/settings.ts';
import { drainAll, pendingOutbox } from '#search/sync.ts';

export async function prepareData(options: {
  pool: pg.Pool;
  search: SearchConnection;
  seedDemo: boolean;
  log: (line: string) => void;
}): Promise<void> {
  const { pool, log } = options;
  await loadClinicalReference(pool, log);
  if (options.seedDemo && (await isCatalogEmpty(pool))) {
    log('loading the demo catalog into the empty database');
    await loadDemoCatalog(pool, log);
  }
  if (options.seedDemo) {
    // Requests need an agreement in effect: the demo portal publishes the standard one.
    const { createDatabase } = await import('#db/client.ts');
    const { ensureDemoAgreements } = await import('#server/requests/agreements.ts');
    await ensureDemoAgreements(createDatabase(pool));
    // The bank's own records of a few demo batches (once).
    const { loadDemoBankRecords } = await import('#seed/bank-demo.ts');
    await loadDemoBankRecords(createDatabase(pool), log);
  }
  const meili = createSearchClient({ ...options.search, timeoutMs: 120_000 });
  const ensured = await ensureSearchIndexes(meili, options.search.indexPrefix);
  for (const [index, r] of Object.entries(ensured))
    if (r.changed.length) log(`search index ${index}: settings applied (${r.changed.join(', ')})`);
  // Settings that changed on an existing index mean a new version of the code,
  // whose documents may carry new fields: rebuild them (searches keep answering).
  if (Object.values(ensured).some((r) => !r.created && r.changed.length)) {
    const t0 = performance.now();
    const counts = await reindex({ pool, meili, prefix: options.search.indexPrefix });
    log(
      `search indexes rebuilt for the new settings (${Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}) in ${Math.round(performance.now() - t0)} ms`,
    );
  }
  const pending = await pendingOutbox(pool);
  if (pending) {
    const t0 = performance.now();
    const r = await drainAll({ pool, meili, prefix: options.search.indexPrefix });
    if (r.failed) log(`search sync will retry in the background: ${r.error}`);
    else
      log(`search: ${r.upserted} documents indexed, ${r.deleted} removed in ${Math.round(performance.now() - t0)} ms`);
  }
}

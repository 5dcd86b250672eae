/**
 * The server process's shared handles: one pg Pool, one Meilisearch client.
 * Created on first use from the validated configuration. The background
 * loops that use them live in `#server/workers.ts`.
 */
import type pg from 'pg';
import type { Meilisearch } from 'meilisearch';
import { createDatabase, createPool, serverDeadlines, type Database } from '#db/client.ts';
import { createSearchClient } from '#search/client.ts';
import { getConfig } from './config.ts';

let pool: pg.Pool | undefined;
let db: Database | undefined;
let meili: Meilisearch | undefined;

export function getPool(): pg.Pool {
  if (!pool) {
    const { DATABASE_URL } = getConfig();
    if (!DATABASE_URL) throw new Error('DATABASE_URL is not set: start the portal with `npm start`');
    const { WEB_CONCURRENCY } = getConfig();
    // One pool per web process: together they stay well under PostgreSQL's default 100 connections.
    const max = Math.max(3, Math.min(10, Math.floor(80 / (WEB_CONCURRENCY ?? 1))));
    const { DB_QUERY_TIMEOUT_MS: queryMs } = getConfig();
    pool = createPool(DATABASE_URL, { max, deadlines: { ...serverDeadlines, queryMs, statementMs: queryMs + 2_000 } });
  }
  return pool;
}

export function getDb(): Database {
  db ??= createDatabase(getPool());
  return db;
}

export function getMeili(): Meilisearch {
  if (!meili) {
    const { MEILI_URL, MEILI_MASTER_KEY } = getConfig();
    if (!MEILI_URL || !MEILI_MASTER_KEY) throw new Error('MEILI_URL is not set: start the portal with `npm start`');
    meili = createSearchClient({ url: MEILI_URL, apiKey: MEILI_MASTER_KEY });
  }
  return meili;
}

let searchOnly: Promise<Meilisearch> | undefined;

/** A reader waits at most this for Meilisearch, then gets the search-unavailable answer. */
const SEARCH_TIMEOUT_MS = 2_000;

/**
 * A client holding a search-only key for the read path (derived once from the
 * master key, limited to this portal's indexes), so a flaw in a search route
 * can never write to or read settings of the indexes.
 */
export function getSearchClient(): Promise<Meilisearch> {
  searchOnly ??= (async () => {
    const admin = getMeili();
    const prefix = getIndexPrefix();
    const name = `portal search-only key${prefix ? ` (${prefix}*)` : ''}`;
    const { results } = await admin.getKeys({ limit: 1000 });
    const key =
      results.find((k) => k.name === name && k.actions.length === 1 && k.actions[0] === 'search') ??
      (await admin.createKey({
        name,
        description: 'Read path of the portal',
        actions: ['search'],
        indexes: [`${prefix}*`],
        expiresAt: null,
      }));
    const { MEILI_URL } = getConfig();
    return createSearchClient({ url: MEILI_URL!, apiKey: key.key, timeoutMs: SEARCH_TIMEOUT_MS });
  })().catch((error) => {
    searchOnly = undefined; // try again on the next search
    throw error;
  });
  return searchOnly;
}

export function getIndexPrefix(): string {
  return getConfig().MEILI_INDEX_PREFIX;
}

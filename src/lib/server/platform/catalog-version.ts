/**
 * The catalog version (table `catalog_version`, migration 0041): bumped by the
 * search worker in the transaction that marks outbox rows sent to Meilisearch,
 * and by a full reindex. What is computed from the catalog (cached pages,
 * search answers) is keyed by it; a process reads it at most every
 * VERSION_TTL_MS, so readers see a committed change at most that much later
 * than Meilisearch does.
 */
import pg from 'pg';
import { getConfig } from './config.ts';

/** Readers see a committed change at most this much later than Meilisearch does. */
export const VERSION_TTL_MS = 250;

const listeners: ((version: string) => void)[] = [];

/** Calls `listener` whenever this process sees the version move. */
export function onCatalogVersionChange(listener: (version: string) => void): void {
  listeners.push(listener);
}

let version: { value: string; readAt: number } | undefined;
let reading: Promise<string> | undefined;
let client: pg.Client | undefined;

/** A version the database cannot tell within this is no version: the cache steps aside. */
const VERSION_READ_MS = 500;

/**
 * Reads the version on a connection of its own, so a busy pool never delays
 * (and never bypasses) the cache; a failed connection is dropped and made again.
 */
async function readVersion(): Promise<string> {
  if (!client) {
    const c = new pg.Client({
      connectionString: getConfig().DATABASE_URL,
      application_name: 'stem-cell-portal cache',
      keepAlive: true,
      connectionTimeoutMillis: VERSION_READ_MS,
      query_timeout: VERSION_READ_MS,
    });
    const forget = () => {
      if (client === c) client = undefined;
    };
    c.on('error', forget);
    c.on('end', forget);
    client = c;
    await c.connect().catch((error: Error) => {
      if (client === c) client = undefined;
      throw error;
    });
  }
  const c = client;
  try {
    const { rows } = await c.query<{ version: string }>(
      'SELECT version::text AS version FROM catalog_version WHERE id = 1',
    );
    return rows[0]?.version ?? '0';
  } catch (error) {
    if (client === c) client = undefined;
    void c.end().catch(() => {});
    throw error;
  }
}

/** The catalog version, read from PostgreSQL at most every VERSION_TTL_MS (one read in flight). */
export async function currentVersion(read: () => Promise<string> = readVersion, now = Date.now()): Promise<string> {
  if (version && now - version.readAt < VERSION_TTL_MS) return version.value;
  reading ??= read()
    .then((value) => {
      if (version && version.value !== value) for (const listener of listeners) listener(value);
      version = { value, readAt: Date.now() };
      return value;
    })
    .finally(() => (reading = undefined));
  return reading;
}

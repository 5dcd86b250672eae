/**
 * The server process's shared handles: one pg Pool, one Meilisearch client.
 * Created on first use from the validated configuration.
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
    pool = createPool(DATABASE_URL, { deadlines: serverDeadlines });
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
      (await admin.createKey({ name, description: 'Read path of the portal', actions: ['search'], indexes: [`${prefix}*`], expiresAt: null }));
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

let workers: { stop(): void }[] | undefined;

/**
 * Starts this server process's outbox workers once (called by the middleware
 * on the first request): catalog changes reach search, and queued mail leaves,
 * within a second.
 */
export async function ensureWorkers(): Promise<void> {
  if (workers) return;
  workers = [];
  const [{ startSyncWorker }, { startMailWorker }] = await Promise.all([import('#search/sync.ts'), import('./mail.ts')]);
  const { log } = await import('./log.ts');
  const toLog = (line: string) => log.error(line);
  workers.push(startSyncWorker({ pool: getPool(), meili: getMeili(), prefix: getIndexPrefix() }, 1_000, toLog));
  workers.push(startMailWorker(getPool(), undefined, 1_000, toLog));
  workers.push(startRequestSchedule(toLog));
  workers.push(await startAlertWorker());
  // Anchors of the audit trail outside the database, on a schedule (audit-anchor.ts).
  const config = getConfig();
  if (config.AUDIT_ANCHOR_INTERVAL > 0) {
    const { anchorStore, startAnchorWorker } = await import('./audit-anchor.ts');
    workers.push(startAnchorWorker({ db: getDb(), store: anchorStore(config), intervalSeconds: config.AUDIT_ANCHOR_INTERVAL }));
  }
}

/** Every 10 minutes: lapse expired reservations, remind staff, escalate to admins. */
function startRequestSchedule(log: (line: string) => void) {
  const run = async () => {
    try {
      const { sendReminders } = await import('#server/requests/reminders.ts');
      await sendReminders(getDb());
    } catch (error) {
      log(`[requests] scheduled reminders failed, will retry: ${(error as Error).message}`);
    }
  };
  const timer = setInterval(run, 10 * 60_000);
  timer.unref();
  setTimeout(run, 30_000).unref();
  return { stop: () => clearInterval(timer) };
}

/** Saved-search alerts: every minute, each search with alerts on is re-run at most every 15 minutes. */
async function startAlertWorker() {
  const [{ startOutboxWorker }, { checkAlerts }] = await Promise.all([import('#db/outbox.ts'), import('#server/saved-searches/saved-searches.ts')]);
  const { PUBLIC_URL, HOST, PORT } = getConfig();
  const origin = (PUBLIC_URL ?? `http://${HOST}:${PORT}`).replace(/\/$/, '');
  const { log } = await import('./log.ts');
  return startOutboxWorker({
    name: 'alerts',
    intervalMs: 60_000,
    log: (line) => log.error(line),
    drain: async () => {
      const r = await checkAlerts({ db: getDb(), meili: getMeili(), prefix: getIndexPrefix(), origin }, { olderThan: new Date(Date.now() - 15 * 60_000) });
      return { claimed: r.checked, failed: false };
    },
  });
}

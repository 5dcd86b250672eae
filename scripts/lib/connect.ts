/**
 * Finds the PostgreSQL and Meilisearch servers a command should use:
 * the ones named by DATABASE_URL / MEILI_URL, or the embedded ones of DATA_DIR
 * (joining them when the portal already runs, starting them otherwise).
 */
import pg from 'pg';
import { roleOf } from '#db/roles.ts';
import type { Config } from '#server/platform/config.ts';
import { redact } from '#server/platform/config.ts';
import { resolveDataDir } from './data-dir.ts';
import { findRunningEmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.ts';
import { findRunningEmbeddedMeilisearch, startEmbeddedMeilisearch } from './embedded-meilisearch.ts';
import { supervise } from './supervise.ts';

export interface Services {
  /** The app role: what the web server connects as. */
  databaseUrl: string;
  /** The owner role: migrations and CLI maintenance (the same URL when only DATABASE_URL is set). */
  ownerUrl: string;
  /** The app role's name when it differs from the owner's: migrations grant it its rights (db/roles.ts). */
  appRole?: string;
  meiliUrl: string;
  meiliKey: string;
  embeddedDb: boolean;
  embeddedSearch: boolean;
  /** Stops what this process started (and nothing it merely joined). */
  stop(): Promise<void>;
}

/** Turns a connection failure into one line that says which variable to check. */
export async function assertDatabaseReachable(url: string, variable = 'DATABASE_URL'): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const where = (() => {
      try {
        const u = new URL(url);
        return `${u.hostname}:${u.port || 5432}${u.pathname}`;
      } catch {
        return redact(variable, url);
      }
    })();
    throw new Error(
      `${variable}: cannot connect to PostgreSQL at ${where}: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim(),
    );
  } finally {
    await client.end().catch(() => {});
  }
}

export async function assertSearchReachable(url: string, key: string): Promise<void> {
  try {
    const res = await fetch(new URL('/version', url), {
      headers: { Authorization: `Bearer ${key}` },
      signal: AbortSignal.timeout(5_000),
    });
    if (res.status === 401 || res.status === 403) throw new Error('MEILI_MASTER_KEY is not accepted by the server');
    if (!res.ok) throw new Error(`answered HTTP ${res.status}`);
  } catch (error) {
    const message = (error as Error).message;
    if (message.startsWith('MEILI_MASTER_KEY')) throw error;
    throw new Error(
      `MEILI_URL: cannot reach Meilisearch at ${url}: ${(error as Error & { cause?: { code?: string } }).cause?.code ?? message}`,
    );
  }
}

export async function connectServices(
  config: Config,
  /** supervise: restart an embedded server this process started when it dies (`npm start`). */
  options: { needSearch: boolean; log?: (line: string) => void; supervise?: boolean },
): Promise<Services> {
  const log = options.log ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e) => console.error(String(e)));
    stops.length = 0;
  };
  try {
    const dataDir = resolveDataDir(config.DATA_DIR);
    let databaseUrl = config.DATABASE_URL;
    let ownerUrl = config.DATABASE_OWNER_URL ?? config.DATABASE_URL;
    const embeddedDb = !databaseUrl;
    if (!databaseUrl) {
      let urls = findRunningEmbeddedPostgres(dataDir);
      if (urls) {
        log(`using the embedded PostgreSQL already running for ${dataDir}`);
      } else {
        const t0 = performance.now();
        const pgServer = await startEmbeddedPostgres({ dataDir, port: config.EMBEDDED_PG_PORT, log });
        if (options.supervise) {
          const supervised = supervise({
            name: 'PostgreSQL (embedded)',
            first: pgServer,
            processOf: (h) => h.process,
            restart: () => startEmbeddedPostgres({ dataDir, port: pgServer.port, log }),
            stopHandle: (h) => h.stop(),
            log,
          });
          stops.push(() => supervised.stop());
        } else stops.push(() => pgServer.stop());
        urls = pgServer;
        log(`PostgreSQL (embedded) on 127.0.0.1:${pgServer.port} in ${Math.round(performance.now() - t0)} ms`);
      }
      databaseUrl = urls.appUrl;
      ownerUrl = urls.ownerUrl;
    }
    await assertDatabaseReachable(databaseUrl);
    if (ownerUrl !== databaseUrl) await assertDatabaseReachable(ownerUrl!, 'DATABASE_OWNER_URL');
    const appRole = roleOf(databaseUrl) !== roleOf(ownerUrl!) ? roleOf(databaseUrl) : undefined;

    let meiliUrl = config.MEILI_URL ?? '';
    let meiliKey = config.MEILI_MASTER_KEY ?? '';
    const embeddedSearch = !config.MEILI_URL;
    if (config.MEILI_URL) {
      if (options.needSearch) await assertSearchReachable(meiliUrl, meiliKey);
    } else if (options.needSearch && findRunningEmbeddedMeilisearch(dataDir)) {
      const running = findRunningEmbeddedMeilisearch(dataDir)!;
      meiliUrl = running.url;
      meiliKey = running.masterKey;
      log(`using the embedded Meilisearch already running for ${dataDir}`);
    } else if (options.needSearch) {
      const t0 = performance.now();
      const meili = await startEmbeddedMeilisearch({ dataDir, port: config.EMBEDDED_MEILI_PORT, log });
      if (options.supervise) {
        const supervised = supervise({
          name: 'Meilisearch (embedded)',
          first: meili,
          processOf: (h) => h.process,
          restart: () => startEmbeddedMeilisearch({ dataDir, port: meili.port, log }),
          stopHandle: (h) => h.stop(),
          log,
        });
        stops.push(() => supervised.stop());
      } else stops.push(() => meili.stop());
      meiliUrl = meili.url;
      meiliKey = meili.masterKey;
      log(`Meilisearch (embedded) on ${meili.url} in ${Math.round(performance.now() - t0)} ms`);
    }
    return { databaseUrl, ownerUrl: ownerUrl!, appRole, meiliUrl, meiliKey, embeddedDb, embeddedSearch, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

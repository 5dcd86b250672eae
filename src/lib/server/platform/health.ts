/** Whether the portal's two services answer. Used by GET /api/health and by load balancers. */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import type { Meilisearch } from 'meilisearch';

export type ServiceState = 'ok' | 'down';

export interface Health {
  status: 'ok' | 'degraded';
  db: ServiceState;
  search: ServiceState;
  version: string;
  /**
   * Seconds since the oldest change not yet handled by each outbox worker
   * was queued (null: nothing waiting, or the database is down). A growing
   * lag means search or mail is falling behind.
   */
  outbox: { search_lag_s: number | null; mail_lag_s: number | null };
  /** Seconds since the audit anchors file (DATA_DIR/audit-anchors*) last changed; null when there is none. */
  audit_anchor_age_s: number | null;
}

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function probe(check: () => Promise<unknown>): Promise<ServiceState> {
  try {
    await withTimeout(check(), CHECK_TIMEOUT_MS);
    return 'ok';
  } catch {
    return 'down';
  }
}

async function outboxLags(pool: pg.Pool): Promise<Health['outbox']> {
  const { rows } = await withTimeout(
    pool.query<{ search: number | null; mail: number | null }>(
      `SELECT (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM search_outbox WHERE processed_at IS NULL) AS search,
              (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM mail_outbox WHERE processed_at IS NULL) AS mail`,
    ),
    CHECK_TIMEOUT_MS,
  );
  const round = (s: number | null) => (s === null ? null : Math.max(0, Math.round(s * 10) / 10));
  return { search_lag_s: round(rows[0]!.search), mail_lag_s: round(rows[0]!.mail) };
}

/**
 * The anchors' format belongs to the audit code; their file's modification
 * time is when the last anchor was written, whatever the format.
 */
export async function auditAnchorAge(dataDir: string, now = Date.now()): Promise<number | null> {
  let names: string[];
  try {
    names = (await readdir(dataDir)).filter((n) => n.startsWith('audit-anchors'));
  } catch {
    return null;
  }
  const times = await Promise.all(
    names.map((n) =>
      stat(path.join(dataDir, n)).then(
        (s) => s.mtimeMs,
        () => undefined,
      ),
    ),
  );
  const newest = Math.max(...times.filter((t): t is number => t !== undefined));
  return Number.isFinite(newest) ? Math.max(0, Math.round((now - newest) / 100) / 10) : null;
}

export async function checkHealth(deps: {
  pool: pg.Pool;
  meili: Meilisearch;
  version: string;
  dataDir?: string;
}): Promise<Health> {
  const [db, search, audit_anchor_age_s] = await Promise.all([
    probe(() => deps.pool.query('SELECT 1')),
    probe(() => deps.meili.health()),
    deps.dataDir ? auditAnchorAge(deps.dataDir) : null,
  ]);
  const outbox =
    db === 'ok'
      ? await outboxLags(deps.pool).catch(() => ({ search_lag_s: null, mail_lag_s: null }))
      : { search_lag_s: null, mail_lag_s: null };
  return {
    status: db === 'ok' && search === 'ok' ? 'ok' : 'degraded',
    db,
    search,
    version: deps.version,
    outbox,
    audit_anchor_age_s,
  };
}

/** Whether the portal's two services answer. Used by GET /api/health and by load balancers. */
import type pg from 'pg';
import type { Meilisearch } from 'meilisearch';

export type ServiceState = 'ok' | 'down';

export interface Health {
  status: 'ok' | 'degraded';
  db: ServiceState;
  search: ServiceState;
  version: string;
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

export async function checkHealth(deps: { pool: pg.Pool; meili: Meilisearch; version: string }): Promise<Health> {
  const [db, search] = await Promise.all([
    probe(() => deps.pool.query('SELECT 1')),
    probe(() => deps.meili.health()),
  ]);
  return { status: db === 'ok' && search === 'ok' ? 'ok' : 'degraded', db, search, version: deps.version };
}

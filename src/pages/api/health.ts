import path from 'node:path';
import type { APIRoute } from 'astro';
import { getConfig } from '#server/platform/config.ts';
import { checkHealth } from '#server/platform/health.ts';
import { getMeili, getPool } from '#server/platform/runtime.ts';
import { version } from '#server/platform/version.ts';

export const GET: APIRoute = async () => {
  const health = await checkHealth({
    pool: getPool(),
    meili: getMeili(),
    version,
    dataDir: path.resolve(getConfig().DATA_DIR),
  });
  return Response.json(health, {
    status: health.status === 'ok' ? 200 : 503,
    headers: { 'Cache-Control': 'no-store' },
  });
};

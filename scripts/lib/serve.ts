/**
 * The production web server on every core: a node:cluster primary forks
 * WEB_CONCURRENCY workers (default: the cores this process may use), each of
 * them the whole portal (web-server.mjs serving the built entry), sharing one port.
 * A worker that dies is replaced after 0.5, 1, 2 … 30 s. The background loops
 * run in one process only, whatever the count (src/lib/server/workers.ts).
 *
 * Run by scripts/start.ts (`node --import tsx scripts/lib/serve.ts dist/server/entry.mjs`), after the build.
 */
import cluster from 'node:cluster';
import os from 'node:os';
import path from 'node:path';
import { getConfig } from '../../src/lib/server/platform/config.ts';
import { servePageCacheTier } from '../../src/lib/server/platform/page-cache-tier.ts';

const entry = path.resolve(process.argv[2] ?? 'dist/server/entry.mjs');

// Workers run web-server.mjs (setupPrimary below): this file is the primary only.
if (cluster.isPrimary) {
  const count = getConfig().WEB_CONCURRENCY ?? os.availableParallelism();
  let stopping = false;
  let delay = 500;
  // The workers run plain JavaScript (the web server and the built entry), without the TypeScript loader this primary needed.
  cluster.setupPrimary({
    exec: path.join(import.meta.dirname, 'web-server.mjs'),
    args: [entry],
    serialization: 'advanced', // the shared page-cache tier sends bodies as bytes

    execArgv: process.execArgv.filter((a, i, all) => a !== '--import' && all[i - 1] !== '--import'),
  });
  servePageCacheTier(cluster);
  const fork = () => cluster.fork({ WEB_CONCURRENCY: String(count), PORTAL_SHARED_PAGE_CACHE: '1' });
  for (let i = 0; i < count; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    console.error(
      `[web] worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another in ${delay / 1000} s`,
    );
    setTimeout(fork, delay);
    delay = Math.min(30_000, delay * 2);
    setTimeout(() => (delay = 500), 60_000).unref();
  });
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {});
    if (!workers.length) process.exit(0);
    for (const worker of workers) worker?.process.kill('SIGTERM');
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
}

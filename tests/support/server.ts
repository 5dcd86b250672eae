/**
 * Runs the built portal (dist/server/entry.mjs, served by scripts/lib/web-server.mjs) as a real HTTP server for
 * integration tests, against whichever services the test names.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { findFreePort, waitForPort } from '#scripts/lib/free-port.ts';

export interface RunningServer {
  url: string;
  /** The server process (to read its memory, say). */
  pid: number;
  stop(): Promise<void>;
  output(): string;
}

/**
 * One process (scripts/lib/web-server.mjs), or with `workers` the production
 * cluster (scripts/lib/serve.ts: a primary and that many workers).
 */
export async function startPortalServer(
  env: Record<string, string>,
  options: { workers?: number } = {},
): Promise<RunningServer> {
  const port = await findFreePort();
  let output = '';
  const entry = path.resolve('dist/server/entry.mjs');
  const args = options.workers
    ? ['--import', 'tsx', path.resolve('scripts/lib/serve.ts'), entry]
    : [path.resolve('scripts/lib/web-server.mjs'), entry];
  const child = spawn(process.execPath, args, {
    // No scheduled audit anchors unless a test asks (they would land in the checkout's .data).
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      NODE_ENV: 'test',
      AUDIT_ANCHOR_INTERVAL: '0',
      ...(options.workers ? { WEB_CONCURRENCY: String(options.workers) } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // Generous: the suite starts several servers at once on a shared 2-core machine.
  // A server that exits during start says why, instead of a bare timeout.
  await Promise.race([
    waitForPort(port, '127.0.0.1', 45_000),
    exited.then(() => {
      throw new Error(`the portal exited during start (code ${child.exitCode}):\n${output}`);
    }),
  ]).catch((error: Error) => {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw new Error(`${error.message}\n${output}`);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

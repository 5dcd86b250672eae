/**
 * Runs `npm start` itself (scripts/start.ts) on a temporary DATA_DIR, with its
 * embedded PostgreSQL and Meilisearch, for tests of what the start script owns.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isBuildCurrent } from '#scripts/lib/build-stamp.ts';
import { findFreePort } from '#scripts/lib/free-port.ts';

export interface StartedPortal {
  url: string;
  dataDir: string;
  output(): string;
  /** The postmaster's pid, from DATA_DIR/postgres/postmaster.pid (0 when there is none). */
  postgresPid(): number;
  meiliPid(): number;
  stop(): Promise<number | null>;
}

export async function startWithStartScript(dataDir: string, env: Record<string, string> = {}): Promise<StartedPortal> {
  // npm start rebuilds an out-of-date bundle, which would pull dist/ from under the other files' servers.
  if (!isBuildCurrent(process.cwd())) throw new Error('the server bundle is out of date: run `npm run build` first');
  const port = await findFreePort();
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    // PUBLIC_URL is left as the suite's build had it: another value would make
    // npm start rebuild dist/ under the other test files' running servers.
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      MEILI_URL: '',
      MEILI_MASTER_KEY: '',
      NO_COLOR: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + 150_000;
  while (!output.includes('ready in')) {
    if (child.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not get ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    output: () => output,
    // 0 while PostgreSQL (re)starts: the file is briefly absent.
    postgresPid: () => {
      try {
        return Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]) || 0;
      } catch {
        return 0;
      }
    },
    meiliPid: () => {
      const file = path.join(dataDir, 'meili.json');
      try {
        return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid : 0;
      } catch {
        return 0;
      }
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

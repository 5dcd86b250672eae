/**
 * `npm start`: everything a fresh machine needs to serve the portal.
 *
 * 1. validate the configuration (one line and exit 1 when something is wrong);
 * 2. use DATABASE_URL / MEILI_URL, or boot embedded PostgreSQL and Meilisearch
 *    under DATA_DIR (loopback only);
 * 3. migrate, load the demo catalog into an empty database, apply search settings;
 * 4. build the server bundle if the sources changed, then serve on HOST:PORT;
 * 5. on Ctrl-C / SIGTERM stop the server, then the services this process started.
 *
 * `npm run dev` does the same but serves with `astro dev` (hot reload).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { isBuildCurrent, markBuilt } from './lib/build-stamp.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices, type Services } from './lib/connect.ts';
import { bold, info } from './lib/log.ts';
import { prepareData } from './lib/prepare.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dev = process.argv.includes('--dev');

let services: Services | undefined;
let server: ChildProcess | undefined;
let stopping = false;

async function shutdown(code: number, why = '') {
  if (stopping) return;
  stopping = true;
  if (why) info(`stopping (${why})`);
  if (server && server.exitCode === null) {
    info('stopping the web server');
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    const timer = setTimeout(() => server?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (services) {
    info('stopping services');
    await services.stop();
  }
  process.exit(code);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env });
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

async function main() {
  const config = loadConfigOrExit();
  process.on('SIGINT', () => void shutdown(0, 'SIGINT')); // on, not once: Ctrl-C reaches us from the terminal and again from npm
  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.on('SIGHUP', () => void shutdown(0, 'SIGHUP'));
  watchParent();

  const t0 = performance.now();
  services = await connectServices(config, { needSearch: true, log: info, supervise: true });

  // Migrations and demo data as the owner; the web server gets the app role (db/roles.ts).
  const pool = createPool(services.ownerUrl, { max: 4 });
  try {
    await runMigrations(pool, { appRole: services.appRole });
    info('database migrated');
    if (!services.appRole)
      info(
        'DATABASE_OWNER_URL is not set: the web server connects as the owner of the tables (README, Production: two database roles)',
      );
    await prepareData({
      pool,
      search: { url: services.meiliUrl, apiKey: services.meiliKey, indexPrefix: config.MEILI_INDEX_PREFIX },
      seedDemo: services.embeddedDb || config.SEED_DEMO,
      log: info,
    });
  } finally {
    await pool.end();
  }

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ASTRO_TELEMETRY_DISABLED: '1',
    DATABASE_URL: services.databaseUrl,
    MEILI_URL: services.meiliUrl,
    MEILI_MASTER_KEY: services.meiliKey,
    HOST: config.HOST,
    PORT: String(config.PORT),
    NODE_ENV: config.NODE_ENV,
    EMBEDDED_SERVICES: services.embeddedDb && services.embeddedSearch ? '1' : '0',
  };
  // The web server never holds the owner's credentials.
  delete env.DATABASE_OWNER_URL;

  if (dev) {
    server = spawn(
      process.execPath,
      [
        path.join(root, 'node_modules/astro/bin/astro.mjs'),
        'dev',
        '--host',
        config.HOST,
        '--port',
        String(config.PORT),
      ],
      { cwd: root, stdio: 'inherit', env },
    );
  } else {
    if (!isBuildCurrent(root)) {
      info('building the server bundle (sources changed since the last build)');
      await run(process.execPath, [path.join(root, 'node_modules/astro/bin/astro.mjs'), 'build'], {
        ...env,
        NODE_ENV: 'production',
      });
      markBuilt(root);
    }
    // One worker per core (WEB_CONCURRENCY), each the whole portal (scripts/lib/serve.ts).
    server = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'scripts/lib/serve.ts'), path.join(root, 'dist/server/entry.mjs')],
      { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env },
    );
    server.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      // The adapter announces itself; we announce the URL people should open instead.
      if (!/Server listening on/.test(text)) process.stdout.write(text);
    });
  }
  server.once('exit', (code) => {
    if (!stopping) {
      console.error(`web server exited with code ${code}`);
      void shutdown(code || 1);
    }
  });
  const url =
    config.PUBLIC_URL ?? `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`;
  await waitForHttp(`http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}/api/health`);
  info(`ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`\n  ${bold('Stem Cell Resource Portal')}  ${url}\n  Press Ctrl-C to stop.\n`);
}

/**
 * A supervisor that dies without passing on its signal (an `sh -c` between
 * npm and us, say) would leave the servers running: notice and stop them.
 */
function watchParent() {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(0, 'the parent process is gone');
  }, 1_000).unref();
}

async function waitForHttp(url: string) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline && !stopping) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.status < 500 || res.status === 503) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

main().catch(async (error) => {
  console.error(`error: ${(error as Error).message}`);
  await shutdown(1);
});

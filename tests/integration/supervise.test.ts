/**
 * `npm start` keeps its embedded services alive: kill PostgreSQL or
 * Meilisearch under a running portal and both come back, logged, with the
 * portal serving again and nobody restarting it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startWithStartScript, type StartedPortal } from '../support/start-script.ts';

let dataDir: string;
let portal: StartedPortal;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'portal-supervise-'));
  portal = await startWithStartScript(dataDir);
}, 180_000);

afterAll(async () => {
  await portal?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function healthStatus(): Promise<number> {
  try {
    return (await fetch(`${portal.url}/api/health`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 0;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms\n${portal.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start supervises its embedded services', () => {
  test('a killed PostgreSQL is restarted and the portal recovers', async () => {
    expect(await healthStatus()).toBe(200);
    const pid = portal.postgresPid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await waitFor('PostgreSQL gone', async () => !alive(pid));
    await waitFor(
      'health 200 again',
      async () => (await healthStatus()) === 200 && ![0, pid].includes(portal.postgresPid()),
    );
    // The supervisor's lines reach us through a pipe, maybe after health already answers: wait for them.
    await waitFor(
      'the exit logged',
      async () =>
        /PostgreSQL \(embedded\) exited unexpectedly \(signal SIGKILL\); restarting in [\d.]+ s \(attempt 1\)/.test(
          portal.output(),
        ),
      10_000,
    );
    await waitFor(
      'the restart logged',
      async () => portal.output().includes('PostgreSQL (embedded) restarted'),
      10_000,
    );
    const line = await fetch(`${portal.url}/lines/WAe009-A`);
    expect(line.status).toBe(200);
  }, 90_000);

  test('a killed Meilisearch is restarted and search answers again', async () => {
    const pid = portal.meiliPid();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');
    await waitFor(
      'health 200 again',
      async () => (await healthStatus()) === 200 && ![0, pid].includes(portal.meiliPid()),
    );
    await waitFor(
      'the exit logged',
      async () => /Meilisearch \(embedded\) exited unexpectedly \(signal SIGKILL\); restarting/.test(portal.output()),
      10_000,
    );
    const res = await fetch(`${portal.url}/api/v1/search?q=H9`);
    expect(res.status).toBe(200);
    expect((await res.json()).total).toBeGreaterThan(0);
  }, 90_000);

  test('Ctrl-C still stops everything (no restart of a service stopped on purpose)', async () => {
    const [pg, meili] = [portal.postgresPid(), portal.meiliPid()];
    expect(await portal.stop()).toBe(0);
    expect(alive(pg)).toBe(false);
    expect(alive(meili)).toBe(false);
    const afterStop = portal.output().slice(portal.output().lastIndexOf('stopping services'));
    expect(afterStop).toContain('stopping services');
    expect(afterStop).not.toContain('restarting');
  }, 60_000);
});

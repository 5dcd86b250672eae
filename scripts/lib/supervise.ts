/**
 * Keeps an embedded service running: when its process exits without being
 * asked to (a crash, the OOM killer, someone's `kill`), start it again on the
 * same data and port, waiting 0.5, 1, 2 … 30 s between attempts. The web
 * server needs no restart: its pg Pool and Meilisearch client reconnect.
 */
import type { ChildProcess } from 'node:child_process';

export interface Supervised<H> {
  current(): H;
  /** Stops the service for good (no restart). */
  stop(): Promise<void>;
}

export interface SuperviseOptions<H> {
  name: string;
  first: H;
  processOf: (handle: H) => ChildProcess | undefined;
  restart: () => Promise<H>;
  stopHandle: (handle: H) => Promise<void>;
  log: (line: string) => void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A service that ran this long before dying starts its backoff from the beginning again. */
  stableMs?: number;
}

export function exitOf(child: ChildProcess | undefined): Promise<string> {
  if (!child) return new Promise(() => {});
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(describeExit(child.exitCode, child.signalCode));
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(describeExit(code, signal))));
}

const describeExit = (code: number | null, signal: NodeJS.Signals | null) =>
  signal ? `signal ${signal}` : `code ${code}`;

export function supervise<H>(options: SuperviseOptions<H>): Supervised<H> {
  const { name, log, initialDelayMs = 500, maxDelayMs = 30_000, stableMs = 60_000 } = options;
  let handle = options.first;
  let stopping = false;
  let attempt = 0;
  let startedAt = Date.now();
  let timer: NodeJS.Timeout | undefined;

  const watch = (h: H) => {
    void exitOf(options.processOf(h)).then((how) => {
      if (stopping || h !== handle) return;
      if (Date.now() - startedAt > stableMs) attempt = 0;
      schedule(`exited unexpectedly (${how})`);
    });
  };

  const schedule = (why: string) => {
    const delay = Math.min(maxDelayMs, initialDelayMs * 2 ** attempt);
    attempt++;
    log(`${name} ${why}; restarting in ${(delay / 1000).toFixed(1)} s (attempt ${attempt})`);
    timer = setTimeout(async () => {
      if (stopping) return;
      try {
        const h = await options.restart();
        if (stopping) return void (await options.stopHandle(h));
        handle = h;
        startedAt = Date.now();
        log(`${name} restarted`);
        watch(h);
      } catch (error) {
        if (!stopping) schedule(`did not restart: ${((error as Error)?.message ?? String(error)).split('\n')[0]}`);
      }
    }, delay);
  };

  watch(handle);
  return {
    current: () => handle,
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await options.stopHandle(handle);
    },
  };
}

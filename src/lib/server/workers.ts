/**
 * The background work of an installation, in one place: the search and mail
 * outbox workers, the request reminders, saved-search alerts and the audit
 * anchors. Every web process (one per core, several hosts) calls
 * `ensureWorkers`; exactly one of them runs the loops at a time: the one
 * holding a PostgreSQL session advisory lock on a connection of its own.
 * When that process dies, or loses its connection, the server releases the
 * lock and another process takes the lead within `ELECTION_MS`.
 */
import pg from 'pg';
import { serverDeadlines } from '#db/client.ts';
import { startOutboxWorker } from '#db/outbox.ts';
import { startSyncWorker } from '#search/sync.ts';
import { anchorStore, startAnchorWorker } from '#server/platform/audit-anchor.ts';
import { getConfig, publicOrigin } from '#server/platform/config.ts';
import { log } from '#server/platform/log.ts';
import { startMailWorker } from '#server/platform/mail.ts';
import { getDb, getIndexPrefix, getMeili, getPool } from '#server/platform/runtime.ts';
import { sendReminders } from '#server/requests/reminders.ts';
import { checkAlerts } from '#server/saved-searches/saved-searches.ts';

/** Arbitrary but fixed (db/migrate.ts uses 727_001): the lock whose holder runs the loops. */
export const WORKERS_LOCK = 727_002;
/** How often a process without the lead tries to take it, and the leader checks its connection. */
const ELECTION_MS = 5_000;

type Loop = { stop(): void };

const toLog = (line: string) => log.error(line);

/** The loops themselves; started only by the process holding the lock. */
function startLoops(): Loop[] {
  const loops: Loop[] = [
    startSyncWorker({ pool: getPool(), meili: getMeili(), prefix: getIndexPrefix() }, 1_000, toLog),
    startMailWorker(getPool(), undefined, 1_000, toLog),
    startRequestSchedule(),
    startAlertWorker(),
  ];
  // Anchors of the audit trail outside the database, on a schedule (audit-anchor.ts).
  const config = getConfig();
  if (config.AUDIT_ANCHOR_INTERVAL > 0) {
    loops.push(
      startAnchorWorker({ db: getDb(), store: anchorStore(config), intervalSeconds: config.AUDIT_ANCHOR_INTERVAL }),
    );
  }
  return loops;
}

/** Every 10 minutes: lapse expired reservations, remind staff, escalate to admins. */
function startRequestSchedule(): Loop {
  const run = async () => {
    try {
      await sendReminders(getDb());
    } catch (error) {
      toLog(`[requests] scheduled reminders failed, will retry: ${(error as Error).message}`);
    }
  };
  const timer = setInterval(run, 10 * 60_000);
  timer.unref();
  const first = setTimeout(run, 30_000);
  first.unref();
  return {
    stop: () => {
      clearInterval(timer);
      clearTimeout(first);
    },
  };
}

/** Saved-search alerts: every minute, each search with alerts on is re-run at most every 15 minutes. */
function startAlertWorker(): Loop {
  const origin = publicOrigin();
  return startOutboxWorker({
    name: 'alerts',
    intervalMs: 60_000,
    log: toLog,
    drain: async () => {
      const r = await checkAlerts(
        { db: getDb(), meili: getMeili(), prefix: getIndexPrefix(), origin },
        { olderThan: new Date(Date.now() - 15 * 60_000) },
      );
      return { claimed: r.checked, failed: false };
    },
  });
}

let started = false;

/**
 * Starts the election in this process once (the middleware calls it on the
 * first request). Resolves at once: taking the lead never delays a request.
 */
export async function ensureWorkers(): Promise<void> {
  if (started) return;
  started = true;
  const election = electLeader(startLoops);
  void election.attempt();
  setInterval(() => void election.attempt(), ELECTION_MS).unref();
}

/**
 * One attempt per call: without the lead, try the lock (on a connection kept
 * for it); with it, check the connection still answers, and give the lead up
 * (stop the loops) the moment it does not, since the server has then let the
 * lock go to another process.
 */
export function electLeader(start: () => Loop[], url = getConfig().DATABASE_URL!) {
  let client: pg.Client | undefined;
  let loops: Loop[] | undefined;
  let busy = false;
  const resign = (why: string) => {
    if (loops) {
      for (const l of loops) l.stop();
      loops = undefined;
      toLog(`[workers] pid ${process.pid} stopped the background loops: ${why}`);
    }
    const old = client;
    client = undefined;
    old?.removeAllListeners('error');
    old?.on('error', () => {});
    void old?.end().catch(() => {});
  };
  return {
    get leading() {
      return loops !== undefined;
    },
    async attempt() {
      if (busy) return;
      busy = true;
      try {
        if (!client) {
          const c = new pg.Client({
            connectionString: url,
            application_name: 'stem-cell-portal workers',
            keepAlive: true,
            keepAliveInitialDelayMillis: 10_000,
            connectionTimeoutMillis: serverDeadlines.connectMs,
            query_timeout: serverDeadlines.queryMs,
          });
          c.on('error', (error) => resign(`connection lost (${error.message})`));
          c.on('end', () => client === c && resign('connection closed'));
          client = c;
          await c.connect();
        }
        if (loops) {
          await client.query('SELECT 1');
          return;
        }
        const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
          WORKERS_LOCK,
        ]);
        if (rows[0]!.locked) {
          loops = start();
          log.info(
            `[workers] pid ${process.pid} runs the background loops (search and mail outboxes, reminders, alerts, anchors)`,
          );
        }
      } catch (error) {
        resign(`database unavailable (${(error as Error).message})`);
      } finally {
        busy = false;
      }
    },
    stop: () => resign('stopped'),
  };
}

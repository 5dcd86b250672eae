/**
 * Anchors of the audit trail outside PostgreSQL.
 *
 * The hash chain (audit.ts) proves that rows were not changed one by one;
 * it cannot prove anything against whoever controls the database server: a
 * superuser can edit a row and re-hash every row after it, or cut the tail
 * off and move the head. An anchor is the chain head at a moment (how many
 * events, the last one's id and hash, the time), appended as one line to a
 * file outside the database and signed with HMAC-SHA256 under a key
 * PostgreSQL never sees. `npm run audit:verify` checks the chain against
 * every anchor: a rewritten or shortened chain contradicts the anchors
 * written before the rewrite, and a forged line fails its signature.
 *
 * Written by the server on a schedule (AUDIT_ANCHOR_INTERVAL) and on demand
 * by `npm run audit:anchor`. Keep a copy of the file somewhere the database
 * host cannot write (it is append-only text: ship it with the logs).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Executor } from '#db/client.ts';
import type { ChainLink } from './audit.ts';
import type { Config } from './config.ts';

export interface Anchor {
  /** Events in the chain at that moment: the head's position. */
  events: number;
  /** Id of the event at the head (null for an empty chain). */
  lastId: number | null;
  /** The head's hash (null for an empty chain). */
  hash: string | null;
  /** When the head was read (the database's clock). */
  at: string;
}

/** Where anchors go and the key that signs them. */
export interface AnchorStore {
  file: string;
  key: Buffer;
}

/** The anchor file and key of this configuration: AUDIT_ANCHOR_FILE / AUDIT_ANCHOR_KEY, or generated under DATA_DIR. */
export function anchorStore(config: Pick<Config, 'DATA_DIR' | 'AUDIT_ANCHOR_FILE' | 'AUDIT_ANCHOR_KEY'>): AnchorStore {
  const dataDir = path.resolve(config.DATA_DIR);
  const file = path.resolve(config.AUDIT_ANCHOR_FILE ?? path.join(dataDir, 'audit-anchors.log'));
  const key = config.AUDIT_ANCHOR_KEY
    ? Buffer.from(config.AUDIT_ANCHOR_KEY, 'utf8')
    : readOrCreateKey(path.join(dataDir, 'audit-anchor-key'));
  return { file, key };
}

/** Generated once (0600); `wx` so two processes starting together end up with the same key. */
function readOrCreateKey(file: string): Buffer {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  chmodSync(file, 0o600);
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
}

function mac(key: Buffer, a: Anchor): string {
  return createHmac('sha256', key)
    .update(`audit-anchor v1\n${a.events}\n${a.lastId ?? ''}\n${a.hash ?? ''}\n${a.at}`)
    .digest('hex');
}

/** The chain head now, read in one statement (one snapshot). */
export async function readChainHead(db: Executor): Promise<Anchor> {
  const { rows } = await db.execute<{ events: string; last_id: string | null; hash: string | null; at: Date }>(sql`
    SELECT (SELECT count(*) FROM audit_events) AS events,
           (SELECT e.id FROM audit_events e WHERE e.hash = h.hash) AS last_id,
           h.hash, now() AS at
    FROM audit_chain_head h`);
  const row = rows[0]!;
  return {
    events: Number(row.events),
    lastId: row.last_id === null ? null : Number(row.last_id),
    hash: row.hash,
    at: new Date(row.at).toISOString(),
  };
}

/** Appends one signed line (O_APPEND: whole lines, even with several processes writing). */
export function appendAnchor(store: AnchorStore, anchor: Anchor): string {
  const line = JSON.stringify({ ...anchor, mac: mac(store.key, anchor) });
  mkdirSync(path.dirname(store.file), { recursive: true });
  appendFileSync(store.file, `${line}\n`, { mode: 0o600, flag: 'a' });
  return line;
}

export async function writeAnchor(db: Executor, store: AnchorStore): Promise<Anchor> {
  const anchor = await readChainHead(db);
  appendAnchor(store, anchor);
  return anchor;
}

export interface AnchorProblem {
  /** 1-based line of the anchor file. */
  line: number;
  kind: 'unreadable' | 'forged' | 'truncated' | 'rewritten';
  message: string;
}

export interface AnchorReport {
  anchors: number;
  /** Anchors whose signature holds and which the chain agrees with. */
  held: number;
  problems: AnchorProblem[];
  /** The first anchor (in file order) the chain contradicts: what a rewrite or truncation is reported against. */
  firstContradicted?: AnchorProblem;
}

const short = (h: string | null | undefined) => (h ? h.slice(0, 16) : 'none');

/**
 * Checks the chain (in chain order, from verifyAuditChain) against every line
 * of the anchor file.
 */
export function checkAnchors(chain: ChainLink[], text: string, key: Buffer): AnchorReport {
  const problems: AnchorProblem[] = [];
  let anchors = 0;
  let held = 0;
  let lastHeld: { line: number; anchor: Anchor } | undefined;
  let firstContradicted: AnchorProblem | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw) continue;
    anchors++;
    const line = i + 1;
    let parsed: Anchor & { mac?: unknown };
    try {
      parsed = JSON.parse(raw);
    } catch {
      problems.push({ line, kind: 'unreadable', message: `anchor line ${line} is not an anchor` });
      continue;
    }
    const anchor: Anchor = {
      events: Number(parsed.events),
      lastId: parsed.lastId ?? null,
      hash: parsed.hash ?? null,
      at: String(parsed.at),
    };
    const expected = Buffer.from(mac(key, anchor), 'hex');
    const given = Buffer.from(typeof parsed.mac === 'string' ? parsed.mac : '', 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      problems.push({
        line,
        kind: 'forged',
        message: `anchor line ${line} (${anchor.at}) is forged or damaged: its signature does not match`,
      });
      continue;
    }
    if (anchor.events === 0) {
      held++;
      continue;
    }
    const since = lastHeld
      ? ` (the chain still agrees with the anchor of line ${lastHeld.line}, ${lastHeld.anchor.at}, at event ${lastHeld.anchor.events})`
      : '';
    let problem: AnchorProblem | undefined;
    if (chain.length < anchor.events) {
      problem = {
        line,
        kind: 'truncated',
        message: `the chain has ${chain.length} events, but the anchor of line ${line} (${anchor.at}) recorded ${anchor.events}, ending with event ${anchor.lastId} (hash ${short(anchor.hash)}…): events were removed${since}`,
      };
    } else {
      const link = chain[anchor.events - 1]!;
      if (link.hash !== anchor.hash || link.id !== anchor.lastId) {
        problem = {
          line,
          kind: 'rewritten',
          message: `the chain contradicts the anchor of line ${line} (${anchor.at}): event ${anchor.events} of the chain should be event ${anchor.lastId} with hash ${short(anchor.hash)}…, it is event ${link.id} with hash ${short(link.hash)}…: the chain was rewritten and re-hashed${since}`,
        };
      }
    }
    if (problem) {
      problems.push(problem);
      firstContradicted ??= problem;
    } else {
      held++;
      lastHeld = { line, anchor };
    }
  }
  return { anchors, held, problems, firstContradicted };
}

/** Reads the anchor file ('' when there is none yet). */
export function readAnchors(store: AnchorStore): string {
  return existsSync(store.file) ? readFileSync(store.file, 'utf8') : '';
}

/**
 * The server's schedule: an anchor at start and every `intervalSeconds`,
 * skipped while the head has not moved since this process's last one.
 */
export function startAnchorWorker(options: {
  db: Executor;
  store: AnchorStore;
  intervalSeconds: number;
  log?: (line: string) => void;
}): { stop(): void } {
  const log = options.log ?? ((line: string) => console.error(line));
  let last: string | undefined;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const anchor = await readChainHead(options.db);
      const position = `${anchor.events}:${anchor.hash}`;
      if (position !== last) {
        appendAnchor(options.store, anchor);
        last = position;
      }
    } catch (error) {
      log(`[audit-anchor] could not write an anchor: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * The page cache's second tier, shared by the web workers of one `npm start`
 * (scripts/lib/serve.ts). Each worker keeps its own LRU (platform/page-cache.ts);
 * without a shared tier a page one worker rendered was a miss in every other,
 * so the less common searches were computed once per worker. The primary
 * keeps a copy of what any worker rendered and hands it to the others over
 * the cluster's IPC channel (structured clone: `serialization: 'advanced'`).
 *
 * Keys start with the catalog version, as in the workers: the first entry of
 * a newer version empties the tier, and older ones are refused. A worker
 * waits at most SHARED_WAIT_MS for an answer, then renders the page itself.
 * No Astro here: the primary imports this module.
 */
import type { Cluster } from 'node:cluster';
import { LRUCache } from 'lru-cache';

export interface CachedAnswer {
  status: number;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer>;
  etag: string;
}

type TierMessage =
  | { type: 'page-cache:get'; id: number; key: string }
  | { type: 'page-cache:put'; key: string; entry: CachedAnswer }
  | { type: 'page-cache:got'; id: number; entry: CachedAnswer | null };

/** How long a worker waits for the primary before rendering the page itself. */
const SHARED_WAIT_MS = 50;
const SHARED_MAX_BYTES = 128 * 1024 * 1024;

const versionOf = (key: string) => BigInt(key.slice(0, key.indexOf(' ')) || '0');

const isAnswer = (e: unknown): e is CachedAnswer =>
  !!e &&
  typeof e === 'object' &&
  (e as CachedAnswer).body instanceof Uint8Array &&
  Array.isArray((e as CachedAnswer).headers) &&
  typeof (e as CachedAnswer).etag === 'string';

/** In the primary: keeps what workers rendered and answers their questions. */
export function servePageCacheTier(cluster: Cluster): void {
  const entries = new LRUCache<string, CachedAnswer>({
    maxSize: SHARED_MAX_BYTES,
    sizeCalculation: (e) => e.body.byteLength + 512,
  });
  let latest = 0n;
  cluster.on('message', (worker, message: TierMessage) => {
    if (message?.type === 'page-cache:get') {
      const entry = versionOf(message.key) < latest ? undefined : entries.get(message.key);
      if (worker.isConnected()) worker.send({ type: 'page-cache:got', id: message.id, entry: entry ?? null });
    } else if (message?.type === 'page-cache:put' && isAnswer(message.entry)) {
      const version = versionOf(message.key);
      if (version < latest) return;
      if (version > latest) {
        entries.clear(); // every entry is of an older catalog
        latest = version;
      }
      entries.set(message.key, message.entry);
    }
  });
}

export interface PageCacheTier {
  get(key: string): Promise<CachedAnswer | undefined>;
  put(key: string, entry: CachedAnswer): void;
}

/** In a worker of serve.ts: the primary's tier; undefined when this process is not such a worker. */
export function joinPageCacheTier(): PageCacheTier | undefined {
  if (!process.send || process.env.PORTAL_SHARED_PAGE_CACHE !== '1') return undefined;
  let next = 0;
  const waiting = new Map<number, (entry: CachedAnswer | undefined) => void>();
  process.on('message', (message: TierMessage) => {
    if (message?.type !== 'page-cache:got') return;
    waiting.get(message.id)?.(isAnswer(message.entry) ? message.entry : undefined);
  });
  const send = (message: TierMessage) => {
    try {
      return process.connected && process.send!(message);
    } catch {
      return false; // the primary is gone: this worker is on its own
    }
  };
  return {
    get(key) {
      const id = ++next;
      return new Promise((resolve) => {
        const done = (entry: CachedAnswer | undefined) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(entry);
        };
        const timer = setTimeout(() => done(undefined), SHARED_WAIT_MS);
        waiting.set(id, done);
        if (!send({ type: 'page-cache:get', id, key })) done(undefined);
      });
    },
    put(key, entry) {
      send({ type: 'page-cache:put', key, entry });
    },
  };
}

/**
 * A cache for what rarely changes: public pages, search answers and facet
 * counts, as an anonymous reader gets them. Entries are keyed by the catalog
 * version (table `catalog_version`, bumped by the search worker in the
 * transaction that marks a change as sent to Meilisearch), so a change
 * reaches cached pages when it reaches search: a process reads the version at
 * most every VERSION_TTL_MS.
 *
 * Never for a signed-in reader: a request carrying a session cookie (or any
 * Authorization) neither reads nor fills the cache. Only 200 answers without
 * Set-Cookie are kept. Every cacheable answer carries an ETag (version and
 * address) and `Cache-Control: public, no-cache` with `Vary: Cookie`, so a
 * browser or a reverse proxy may keep it and revalidate (304).
 *
 * `X-Cache: hit | miss | bypass` says what happened (the load test counts it).
 */
import { createHash } from 'node:crypto';
import { defineMiddleware } from 'astro:middleware';
import { LRUCache } from 'lru-cache';
import { currentVersion, onCatalogVersionChange } from './catalog-version.ts';
import { type CachedAnswer, joinPageCacheTier } from './page-cache-tier.ts';

const MAX_BYTES = 64 * 1024 * 1024;
const MAX_ENTRY_BYTES = 1024 * 1024;

/** Public, anonymous, catalog-derived addresses (after the `/zh` prefix is taken off). */
const cacheable = [
  /^\/$/,
  /^\/search$/,
  /^\/lines\/[^/]+$/,
  /^\/batches\/[^/]+$/,
  /^\/statistics$/,
  /^\/clinical$/,
  /^\/compare$/,
  /^\/about\/[\w-]+$/,
  /^\/api\/v1\/search$/,
  /^\/api\/v1\/lines\/[^/]+$/,
  /^\/api\/v1\/batches\/[^/]+$/,
];

export function isCacheablePath(path: string): boolean {
  const bare = path === '/zh' || path === '/zh/' ? '/' : path.replace(/^\/zh(?=\/)/, '');
  return cacheable.some((re) => re.test(bare));
}

/** A reader who may see something of their own: any session cookie, any credentials. */
export function isPersonal(request: Request): boolean {
  if (request.headers.has('authorization')) return true;
  const cookies = request.headers.get('cookie') ?? '';
  return /(^|;\s*)(__Host-)?session=/.test(cookies);
}

type Entry = CachedAnswer;

const entries = new LRUCache<string, Entry>({ maxSize: MAX_BYTES, sizeCalculation: (e) => e.body.byteLength + 512 });
const counts = { hit: 0, miss: 0, bypass: 0 };
/** The workers' shared tier in the primary of `npm start` (page-cache-tier.ts); none in a lone process. */
const shared = joinPageCacheTier();

/** This process's hits, misses and bypasses since it started. */
export function cacheCounts() {
  return { ...counts };
}

// Every entry is of an older catalog once the version moves.
onCatalogVersionChange(() => entries.clear());

const etagOf = (v: string, key: string) => `"c${v}-${createHash('sha1').update(key).digest('base64url').slice(0, 16)}"`;

function answer(entry: Entry, request: Request, state: 'hit' | 'miss'): Response {
  const headers = new Headers(entry.headers);
  headers.set('ETag', entry.etag);
  headers.set('Cache-Control', 'public, no-cache');
  headers.set('Vary', 'Cookie');
  headers.set('X-Cache', state);
  const match = request.headers.get('if-none-match');
  if (match?.split(/\s*,\s*/).includes(entry.etag)) return new Response(null, { status: 304, headers });
  return new Response(entry.body, { status: entry.status, headers });
}

/** Marks an answer; some Responses (Response.redirect, fetched ones) have immutable headers. */
function mark(response: Response, state: 'miss' | 'bypass'): Response {
  try {
    response.headers.set('X-Cache', state);
  } catch {
    // immutable: unmarked
  }
  return response;
}

/** What another worker rendered, kept here too from now on. */
async function fromSharedTier(key: string): Promise<Entry | undefined> {
  const entry = await shared?.get(key);
  if (entry) entries.set(key, entry);
  return entry;
}

export const cachePublicPages = defineMiddleware(async (context, next) => {
  const { request, url } = context;
  if (request.method !== 'GET' || !isCacheablePath(url.pathname)) return next();
  if (isPersonal(request)) {
    counts.bypass++;
    return mark(await next(), 'bypass');
  }
  let v: string;
  try {
    v = await currentVersion();
  } catch {
    return next(); // PostgreSQL unavailable: the outage handling answers
  }
  // After the locale step: `/zh/…` arrives rewritten to the English path, with the language in locals.
  const key = `${v} ${context.locals.locale} ${url.pathname}${url.search}`;
  const cached = entries.get(key) ?? (await fromSharedTier(key));
  if (cached) {
    counts.hit++;
    return answer(cached, request, 'hit');
  }
  counts.miss++;
  const response = await next();
  if (response.status !== 200 || response.headers.has('set-cookie') || !response.body) {
    return mark(response, 'miss');
  }
  const body = new Uint8Array(await response.arrayBuffer());
  const entry: Entry = { status: response.status, headers: [...response.headers], body, etag: etagOf(v, key) };
  if (body.byteLength <= MAX_ENTRY_BYTES) {
    entries.set(key, entry);
    shared?.put(key, entry);
  }
  return answer(entry, request, 'miss');
});

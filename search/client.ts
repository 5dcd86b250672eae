/**
 * The Meilisearch client used by the server, the sync worker and the CLI.
 *
 * Node's fetch asks for gzip by default; Meilisearch then streams a chunked,
 * compressed answer and each query waits ~45 ms on loopback. Compression buys
 * nothing between neighbours, so ask for the identity encoding
 * (measured by `npm run bench`).
 */
import { Meilisearch } from 'meilisearch';

export interface SearchConnection {
  url: string;
  apiKey: string;
  /** Prefix for index uids (tests use one per run). */
  indexPrefix?: string;
  timeoutMs?: number;
}

export function createSearchClient(conn: SearchConnection): Meilisearch {
  return new Meilisearch({
    host: conn.url,
    apiKey: conn.apiKey,
    timeout: conn.timeoutMs ?? 5_000,
    requestInit: { headers: { 'Accept-Encoding': 'identity' } },
  });
}

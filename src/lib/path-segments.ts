/**
 * Path segments, encoded and decoded exactly once. Names of lines and batches
 * may hold `+ / % # ?`, spaces and Chinese: links encode each segment with
 * encodeURIComponent, and routes read their parameter here from the address
 * as sent (Astro's `params` are decoded with decodeURI, which leaves `%2B`,
 * `%2F`, `%23`… encoded, so `SECTEST+A1` or `SEC/01` would never be found).
 */

/** One segment decoded once; undefined when its escapes are broken. */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The `index`th segment (0 = the first after `/`) of the address a request was
 * sent to, decoded once: segment 1 of `/lines/SECTEST%2BA1` is `SECTEST+A1`.
 * Reads `request.url`, which keeps the escapes as sent (`Astro.url` is decoded).
 */
export function segmentAt(request: Request, index: number): string | undefined {
  const segment = new URL(request.url).pathname.split('/')[index + 1];
  return segment === undefined ? undefined : decodeSegment(segment);
}

/**
 * A path in canonical form, safe to put in a link: empty segments dropped (so
 * it can never start with `//`), each segment decoded once and re-encoded (so
 * `\` becomes `%5C` and cannot turn into `/` in a browser).
 */
export function canonicalPath(path: string): string {
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => encodeURIComponent(decodeSegment(s) ?? s));
  return `/${segments.join('/')}`;
}

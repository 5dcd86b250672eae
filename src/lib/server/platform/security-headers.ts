/**
 * Security headers for every response the server renders. Pages get their
 * Content-Security-Policy from Astro (`security.csp` in astro.config.mjs hashes
 * the inline scripts and styles it emits, islands included); this fills in the
 * rest, and a policy for responses Astro did not give one.
 */
export interface HeaderOptions {
  production: boolean;
  /** `astro dev` computes no hashes and Vite injects inline scripts: a looser policy there only. */
  dev: boolean;
  /** A signed-in account's response: `Cache-Control: no-store`. */
  signedIn?: boolean;
}

/** Shared by astro.config.mjs's page policy and the fallback below. */
export const baseDirectives = [
  "default-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

const strictFallback = [...baseDirectives, "script-src 'self'", "style-src 'self'"].join('; ');
const devFallback = [
  ...baseDirectives,
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self' ws: wss:",
].join('; ');

export function securityHeaders(existing: Headers, options: HeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
  };
  if (!existing.has('content-security-policy')) {
    // Only a page can need the loose policy: API answers and redirects run no script.
    const page = (existing.get('content-type') ?? '').startsWith('text/html');
    headers['Content-Security-Policy'] = options.dev && page ? devFallback : strictFallback;
  }
  if (options.production) headers['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains';
  // A page rendered for a signed-in account is that account's: no browser or proxy may keep it for anyone else.
  if (options.signedIn) headers['Cache-Control'] = 'no-store';
  return headers;
}

/** Adds the headers, copying the response first when its headers are immutable (Response.redirect, fetch results). */
export function withSecurityHeaders(response: Response, options: HeaderOptions): Response {
  const extra = securityHeaders(response.headers, options);
  try {
    for (const [name, value] of Object.entries(extra)) response.headers.set(name, value);
    return response;
  } catch {
    const copy = new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    for (const [name, value] of Object.entries(extra)) copy.headers.set(name, value);
    return copy;
  }
}

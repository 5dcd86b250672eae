// @ts-check
import node from '@astrojs/node';
import svelte from '@astrojs/svelte';
import { defineConfig } from 'astro/config';
import { baseDirectives } from '#server/platform/security-headers.ts';

/**
 * Behind a TLS-terminating proxy the server sees http://; Astro trusts the
 * proxy's X-Forwarded-Proto/Host/For only for hosts listed here, and only
 * when there is a proxy to trust (TRUSTED_PROXIES > 0): Astro would also take
 * the leftmost, client-written X-Forwarded-For as the client's address, so
 * without a proxy nothing forwarded is believed (the app resolves the address
 * itself, src/edge.ts). PUBLIC_URL and TRUSTED_PROXIES are read when the bundle
 * is built (`npm start` rebuilds when they change).
 */
const publicUrl = process.env.PUBLIC_URL ? new URL(process.env.PUBLIC_URL) : undefined;
const behindProxy = Number(process.env.TRUSTED_PROXIES ?? 0) > 0;
const allowedDomains =
  publicUrl && behindProxy
    ? [
        {
          hostname: publicUrl.hostname,
          protocol: publicUrl.protocol.replace(':', ''),
          ...(publicUrl.port ? { port: publicUrl.port } : {}),
        },
      ]
    : [];

export default defineConfig({
  output: 'server',
  // A backstop under the edge middleware's MAX_BODY_BYTES (at most 16 MiB): no body is ever read past it.
  // Middleware mode: scripts/lib/web-server.mjs is the HTTP server (static files known from the start).
  adapter: node({ mode: 'middleware', bodySizeLimit: 16 * 1024 * 1024 }),
  integrations: [svelte()],
  security: {
    // Astro's own cap on an action's body. The edge middleware (src/edge.ts) applies MAX_BODY_BYTES to every
    // request first and lets only the file-upload actions (a data logger export) up to this size.
    actionBodySizeLimit: 6 * 1024 * 1024,
    // Cross-site form posts are refused (on by default; stated because it matters).
    checkOrigin: true,
    allowedDomains,
    // A Content-Security-Policy header on every page, with hashes of the inline
    // scripts and styles Astro emits (island hydration included): no 'unsafe-inline'.
    // `astro dev` computes none; the middleware gives dev pages a looser policy.
    csp: { directives: /** @type {any} */ (baseDirectives) },
  },
  server: { host: '127.0.0.1', port: 4321 },
  // The server's own Astro log lines as JSON, with the portal's redaction (the CLI stays human).
  logger: { entrypoint: './src/lib/server/platform/astro-log.mjs' },
  // No Markdown content here; Shiki's inline styles would also clash with the CSP.
  markdown: { syntaxHighlight: false },
  vite: {
    build: { sourcemap: false },
  },
});

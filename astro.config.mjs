// @ts-check
import node from '@astrojs/node';
import svelte from '@astrojs/svelte';
import { defineConfig } from 'astro/config';
import { baseDirectives } from './src/lib/server/security-headers.ts';

export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
  integrations: [svelte()],
  security: {
    // Cross-site form posts are refused (on by default; stated because it matters).
    checkOrigin: true,
    // A Content-Security-Policy header on every page, with hashes of the inline
    // scripts and styles Astro emits (island hydration included): no 'unsafe-inline'.
    // `astro dev` computes none; the middleware gives dev pages a looser policy.
    csp: { directives: /** @type {any} */ (baseDirectives) },
  },
  server: { host: '127.0.0.1', port: 4321 },
  vite: {
    build: { sourcemap: false },
  },
});

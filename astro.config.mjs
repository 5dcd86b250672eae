// @ts-check
import node from '@astrojs/node';
import svelte from '@astrojs/svelte';
import { defineConfig } from 'astro/config';

export default defineConfig({
  output: 'server',
  adapter: node({ mode: 'standalone' }),
  integrations: [svelte()],
  security: {
    // Cross-site form posts are refused (on by default; stated because it matters).
    checkOrigin: true,
  },
  server: { host: '127.0.0.1', port: 4321 },
  vite: {
    build: { sourcemap: false },
  },
});

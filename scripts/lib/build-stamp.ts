/**
 * "Build if needed": a digest of everything the server bundle is built from,
 * kept next to the bundle. `npm start` rebuilds only when it differs.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const INPUTS = [
  'src',
  'db/schema',
  'db/client.ts',
  'search',
  'public',
  'astro.config.mjs',
  'svelte.config.js',
  'package-lock.json',
  'tsconfig.json',
];

function* files(entry: string): Generator<string> {
  if (!existsSync(entry)) return;
  if (statSync(entry).isFile()) {
    yield entry;
    return;
  }
  for (const name of readdirSync(entry).sort()) yield* files(path.join(entry, name));
}

export function sourceDigest(root: string): string {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of files(path.join(root, input))) {
      hash.update(path.relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  // Build-time configuration (astro.config.mjs reads it).
  hash.update(`PUBLIC_URL=${process.env.PUBLIC_URL ?? ''}`);
  hash.update(`TRUSTED_PROXIES=${process.env.TRUSTED_PROXIES ?? ''}`);
  return hash.digest('hex');
}

const stampFile = (root: string) => path.join(root, 'dist', '.source-digest');

export function isBuildCurrent(root: string): boolean {
  const stamp = stampFile(root);
  return (
    existsSync(path.join(root, 'dist/server/entry.mjs')) &&
    existsSync(stamp) &&
    readFileSync(stamp, 'utf8') === sourceDigest(root)
  );
}

export function markBuilt(root: string) {
  writeFileSync(stampFile(root), sourceDigest(root));
}

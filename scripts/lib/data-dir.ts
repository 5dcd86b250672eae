/** The data directory: embedded service data and generated secrets live here. */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function resolveDataDir(dataDir: string): string {
  const dir = path.resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * Reads a secret kept in the data directory, generating it on first use.
 * Files are 0600: only the account running the portal can read them.
 */
export function readOrCreateSecret(dataDir: string, name: string, bytes = 24): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return readFileSync(file, 'utf8').trim();
  }
  const secret = randomBytes(bytes).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

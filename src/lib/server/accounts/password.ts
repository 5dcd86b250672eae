/**
 * Password rules and hashing: argon2id (OWASP's first choice), at least 12
 * characters, and not one of the 10,000 most common passwords, not even with
 * digits or symbols tacked on (`dragon123456!` is still `dragon`).
 */
import { hash, verify } from '@node-rs/argon2';
// A data file (source and licence inside), loaded the same way by the server bundle and the CLI.
import commonPasswords from './common-passwords.json' with { type: 'json' };

export const PASSWORD_MIN_LENGTH = 12;
/** argon2 hashes whatever it is given: cap the work one request can cause. */
export const PASSWORD_MAX_LENGTH = 256;

const common = new Set(commonPasswords.passwords);

// OWASP's recommended argon2id floor: 19 MiB, 2 iterations, 1 lane.
// `algorithm: 2` is Algorithm.Argon2id (a const enum, which isolated modules cannot read).
const options = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function isCommonPassword(password: string): boolean {
  const lower = password.toLowerCase();
  const core = lower.replace(/^[^a-z]+|[^a-z]+$/g, '');
  const repeated = /^(.+?)\1+$/.exec(lower)?.[1];
  return common.has(lower) || (core.length > 0 && common.has(core)) || (repeated !== undefined && common.has(repeated));
}

export async function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * A hash to verify against when the account does not exist, so a wrong email
 * costs as much time as a wrong password and the answer time reveals nothing.
 */
let decoy: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoy ??= hashPassword('decoy password that never matches');
  return decoy;
}

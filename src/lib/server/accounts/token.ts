/**
 * Tokens of the form `<id>.<secret>`, as the Lucia guide describes them
 * (lucia-auth.com/sessions/basic): the id finds the row, the secret proves
 * possession. Only SHA-256 of the secret is stored, and it is compared in
 * constant time, so neither a database leak nor response timing yields a
 * usable token. Used by sessions and by the mailed one-time tokens.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// a-z and 0-9 without l, o, 0, 1: readable if someone has to copy a link by hand.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** 24 characters of 5 bits each: 120 bits of entropy, the guide's minimum. */
export function generateRandomString(): string {
  const bytes = randomBytes(24);
  let out = '';
  for (const b of bytes) out += ALPHABET[b >> 3];
  return out;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

export interface IssuedToken {
  id: string;
  token: string;
  secretHash: Buffer;
}

export function issueToken(): IssuedToken {
  const id = generateRandomString();
  const secret = generateRandomString();
  return { id, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

/** Splits a presented token; undefined when it is not shaped like one of ours. */
export function parseToken(token: string): { id: string; secret: string } | undefined {
  const parts = token.split('.');
  if (parts.length !== 2) return undefined;
  const [id, secret] = parts as [string, string];
  if (!/^[a-z2-9]{24}$/.test(id) || !/^[a-z2-9]{24}$/.test(secret)) return undefined;
  return { id, secret };
}

export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

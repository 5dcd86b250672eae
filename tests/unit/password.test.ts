import { describe, expect, test } from 'vitest';
import { newPasswordField, safeReturnPath } from '#lib/account-inputs.ts';
import { hashPassword, isCommonPassword, verifyPassword } from '#server/accounts/password.ts';
import { issueToken, parseToken, secretMatches } from '#server/accounts/token.ts';

describe('passwords', () => {
  test('are hashed with argon2id and verified', async () => {
    const hash = await hashPassword('a long test password 42');
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(hash, 'a long test password 42')).toBe(true);
    expect(await verifyPassword(hash, 'a long test password 43')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  test('shorter than 12 characters, or common, even dressed up, are refused', () => {
    expect(newPasswordField.safeParse('elevenchars').success).toBe(false);
    for (const p of ['password1234', 'Baseball2024!', 'qwertyuiopqwertyuiop', 'qwerty123456', 'dragondragondragon']) {
      expect(isCommonPassword(p), p).toBe(true);
      expect(newPasswordField.safeParse(p).success, p).toBe(false);
    }
    expect(newPasswordField.safeParse('violet tram under Xian rain').success).toBe(true);
  });
});

describe('tokens', () => {
  test('are <id>.<secret> with 120-bit halves, and only the right secret matches the stored hash', () => {
    const { id, token, secretHash } = issueToken();
    const parsed = parseToken(token)!;
    expect(parsed.id).toBe(id);
    expect(parsed.secret).toHaveLength(24);
    expect(secretMatches(parsed.secret, secretHash)).toBe(true);
    expect(
      secretMatches(
        parsed.secret.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')),
        secretHash,
      ),
    ).toBe(false);
    expect(parseToken('no-dot')).toBeUndefined();
    expect(parseToken(`${id}.${parsed.secret}.extra`)).toBeUndefined();
  });
});

describe('return paths after sign-in', () => {
  test('stay on this site', () => {
    expect(safeReturnPath('/zh/account')).toBe('/zh/account');
    expect(safeReturnPath('//evil.example/x')).toBe('/');
    expect(safeReturnPath('https://evil.example')).toBe('/');
    expect(safeReturnPath('/\\evil.example')).toBe('/');
    expect(safeReturnPath(undefined)).toBe('/');
    expect(safeReturnPath('/\t/evil.example'), 'browsers drop the tab: //evil.example').toBe('/');
    expect(safeReturnPath('/\n/evil.example')).toBe('/');
    expect(safeReturnPath('/search?q=WA09&category=hesc#results')).toBe('/search?q=WA09&category=hesc#results');
    expect(safeReturnPath('/requests/new?line=WAe009-A')).toBe('/requests/new?line=WAe009-A');
  });
});

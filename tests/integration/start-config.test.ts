import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';

/** Runs `npm start`'s script with the given environment and reports how it ended. */
function start(env: Record<string, string>) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    env: { ...process.env, MEILI_URL: '', MEILI_MASTER_KEY: '', DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stderr: result.stderr.trim(), stdout: result.stdout };
}

describe('npm start with a bad configuration', () => {
  test('a malformed DATABASE_URL stops it with one line naming the variable', () => {
    const { code, stderr } = start({ DATABASE_URL: 'mysql://localhost/portal' });
    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toContain('DATABASE_URL');
    expect(stderr).toContain('postgres://');
  });

  test('an unreachable DATABASE_URL stops it with one line naming the variable and the address', () => {
    const { code, stderr } = start({
      DATABASE_URL: 'postgres://portal:secret@127.0.0.1:1/portal',
      MEILI_URL: 'http://127.0.0.1:1',
      MEILI_MASTER_KEY: 'a-master-key-of-enough-length',
    });
    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/DATABASE_URL: cannot connect to PostgreSQL at 127\.0\.0\.1:1/);
    expect(stderr, 'the password must not reach the log').not.toContain('secret');
  });

  test('MEILI_URL without its key is refused before anything starts', () => {
    const { code, stderr } = start({
      DATABASE_URL: 'postgres://a:b@127.0.0.1:1/c',
      MEILI_URL: 'http://127.0.0.1:7700',
    });
    expect(code).toBe(1);
    expect(stderr).toMatch(/MEILI_MASTER_KEY is required when MEILI_URL is set/);
  });

  test('a bad PORT names PORT', () => {
    const { code, stderr } = start({ PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: Invalid configuration: PORT /);
  });
});

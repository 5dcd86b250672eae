import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '#server/platform/config.ts';

describe('parseConfig', () => {
  test('defaults give a local portal on 127.0.0.1:4321 with embedded services', () => {
    const config = parseConfig({});
    expect(config).toMatchObject({ HOST: '127.0.0.1', PORT: 4321, DATA_DIR: '.data', NODE_ENV: 'development' });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  test('empty strings count as unset', () => {
    expect(parseConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(4321);
  });

  test.each([
    [{ DATABASE_URL: 'http://x' }, 'DATABASE_URL'],
    [{ MEILI_URL: 'ftp://x', MEILI_MASTER_KEY: 'k'.repeat(16) }, 'MEILI_URL'],
    [{ MEILI_URL: 'http://x:7700', MEILI_MASTER_KEY: 'short' }, 'MEILI_MASTER_KEY'],
    [{ PORT: '70000' }, 'PORT'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ SEED_DEMO: 'yes' }, 'SEED_DEMO'],
  ])('%o is refused with a message naming %s', (env, name) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });

  test('production needs PUBLIC_URL: mail links must not come from a Host header', () => {
    expect(() => parseConfig({ NODE_ENV: 'production' })).toThrow(
      /^Invalid configuration: PUBLIC_URL is required in production/,
    );
    expect(parseConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://cells.example.org' }).PUBLIC_URL).toBe(
      'https://cells.example.org',
    );
  });

  test('secrets are not echoed back', () => {
    try {
      parseConfig({ MEILI_URL: 'http://x:7700', MEILI_MASTER_KEY: 'short' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('short');
    }
    try {
      parseConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});

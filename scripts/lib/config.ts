/** Every command reads the configuration the same way: a bad value is one line and exit 1. */
import { ConfigError, parseConfig, type Config } from '#server/platform/config.ts';
import { fail } from './log.ts';

export function loadConfigOrExit(): Config {
  try {
    return parseConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
}

/**
 * A session's device in words ("Chrome on Linux") instead of its raw
 * user-agent string, for the sessions list of the account page.
 */
import Bowser from 'bowser';

export interface Device {
  browser: string | null;
  os: string | null;
}

export function deviceOf(userAgent: string): Device {
  if (!userAgent.trim()) return { browser: null, os: null };
  const parsed = Bowser.parse(userAgent);
  return { browser: parsed.browser.name || null, os: parsed.os.name || null };
}

// @ts-check
/**
 * Where Astro's own log lines go (astro.config.mjs `logger`). In the server
 * bundle (Vite defines `import.meta.env` there) they join the portal's JSON
 * log (log.ts): request id attached, query strings and tokens in messages
 * masked, control characters escaped by the JSON encoder. The CLI (astro
 * build, check, dev) loads this file without Vite and keeps Astro's human
 * output. Astro requires a JavaScript file here.
 */
import nodeDestination from 'astro/logger/node';

const server = import.meta.env ? await import('./log.ts') : undefined;
const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/** @param {Record<string, unknown> | undefined} config */
export default function portalLogDestination(config) {
  const human = nodeDestination(config);
  if (!server) return human;
  const { log, redactText } = server;
  return {
    /** @param {{ level: string; label: string | null; message: string }} event */
    write(event) {
      const level =
        event.level === 'error'
          ? 'error'
          : event.level === 'warn'
            ? 'warn'
            : event.level === 'debug'
              ? 'debug'
              : 'info';
      log[level]({ label: event.label ?? undefined }, redactText(event.message.replace(ansi, '')));
    },
  };
}

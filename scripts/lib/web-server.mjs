/**
 * The portal's HTTP server: the built Astro app (the Node adapter in
 * middleware mode) behind a static file server that knows its files from the
 * start.
 *
 * The adapter's standalone server asked the file system about every request
 * before rendering it (an lstat, then a stat that failed and became an error
 * event): on a cached page that was a tenth of a worker's time. sirv reads
 * the client folder once, answers from memory what it holds, and hands
 * everything else to the app. A build made while it runs is seen at the
 * next start (npm start builds before it serves).
 *
 *   node scripts/lib/web-server.mjs [dist/server/entry.mjs]
 *
 * HOST and PORT are read as the adapter read them (astro.config.mjs gives the
 * defaults); serve.ts runs one of these per worker.
 */
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sirv from 'sirv';

const entry = path.resolve(process.argv[2] ?? 'dist/server/entry.mjs');
const { handler, options } = await import(pathToFileURL(entry).href);
if (options.mode !== 'middleware') throw new Error(`${entry} was built in ${options.mode} mode; expected middleware`);

// Where the build put the client files, relative to the server entry (as the adapter finds them).
const client = path.resolve(
  path.dirname(entry),
  path.relative(fileURLToPath(options.server), fileURLToPath(options.client)),
);
// Astro's build.assets (not changed in astro.config.mjs): hashed names, so a file there never changes.
const assets = '/_astro/';
const serveStatic = sirv(client, {
  dev: false,
  etag: true,
  dotfiles: false,
  setHeaders(res, pathname) {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader(
      'Cache-Control',
      pathname.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'public, max-age=0',
    );
  },
});

const server = http.createServer((req, res) => {
  try {
    decodeURI(req.url ?? '/');
  } catch {
    res.writeHead(400);
    res.end('Bad request.');
    return;
  }
  serveStatic(req, res, () => handler(req, res));
});

const host =
  process.env.HOST ?? (typeof options.host === 'boolean' ? (options.host ? '0.0.0.0' : 'localhost') : options.host);
const port = process.env.PORT ? Number(process.env.PORT) : (options.port ?? 8080);
server.listen(port, host, () => {
  if (process.env.ASTRO_NODE_LOGGING !== 'disabled') console.log(`Server listening on http://${host}:${port}`);
});

/**
 * npm run audit:anchor: appends the audit chain's head (position, hash,
 * time), HMAC-signed, to the anchor file outside the database
 * (src/lib/server/platform/audit-anchor.ts). The server also does this on a
 * schedule; run this before and after maintenance, or from cron.
 */
import { createDatabase, createPool } from '#db/client.ts';
import { anchorStore, writeAnchor } from '#server/platform/audit-anchor.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { green } from './lib/log.ts';

const config = loadConfigOrExit();
const services = await connectServices(config, { needSearch: false });
const pool = createPool(services.ownerUrl, { max: 1 });
const store = anchorStore(config);
let anchor;
try {
  anchor = await writeAnchor(createDatabase(pool), store);
} finally {
  await pool.end();
  await services.stop();
}
console.log(
  green(
    `anchored the audit trail at event ${anchor.events.toLocaleString('en')} (id ${anchor.lastId ?? '–'}, hash ${anchor.hash?.slice(0, 16) ?? 'none'}…) in ${store.file}`,
  ),
);

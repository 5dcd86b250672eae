/**
 * npm run audit:verify: recomputes every audit event's hash and follows the
 * chain from its first event to the head. Exit 0 when nothing was altered,
 * 1 (naming the first broken event) otherwise.
 */
import { createDatabase, createPool } from '#db/client.ts';
import { verifyAuditChain } from '#server/platform/audit.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { fail, green } from './lib/log.ts';

const config = loadConfigOrExit();
const services = await connectServices(config, { needSearch: false });
const pool = createPool(services.ownerUrl, { max: 1 });
let report;
try {
  report = await verifyAuditChain(createDatabase(pool));
} finally {
  await pool.end();
  await services.stop();
}
if (!report.ok) fail(`audit trail broken at event ${report.brokenAt?.id}: ${report.brokenAt?.problem} (${report.events} events)`);
console.log(green(`audit trail intact: ${report.events.toLocaleString('en')} events, every hash and link verified`));

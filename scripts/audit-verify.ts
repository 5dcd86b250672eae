/**
 * npm run audit:verify: recomputes every audit event's hash, follows the
 * chain from its first event to the head, and checks it against every anchor
 * in the anchor file (src/lib/server/platform/audit-anchor.ts), so an edited
 * row is named, and a chain re-hashed after an edit, or cut short, is
 * reported with the first anchor it contradicts. Exit 0 when everything
 * holds, 1 otherwise.
 */
import { createDatabase, createPool } from '#db/client.ts';
import { verifyAuditChain } from '#server/platform/audit.ts';
import { anchorStore, checkAnchors, readAnchors } from '#server/platform/audit-anchor.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { green, red, yellow } from './lib/log.ts';

const config = loadConfigOrExit();
const services = await connectServices(config, { needSearch: false });
const pool = createPool(services.ownerUrl, { max: 1 });
let report;
try {
  report = await verifyAuditChain(createDatabase(pool), { withChain: true });
} finally {
  await pool.end();
  await services.stop();
}
const store = anchorStore(config);
const anchors = checkAnchors(report.chain, readAnchors(store), store.key);

let failed = false;
if (!report.ok) {
  failed = true;
  console.error(
    red(`audit trail broken at event ${report.brokenAt?.id}: ${report.brokenAt?.problem} (${report.events} events)`),
  );
}
if (anchors.firstContradicted) console.error(red(`first anchor contradicted: ${anchors.firstContradicted.message}`));
for (const problem of anchors.problems) {
  failed = true;
  if (problem !== anchors.firstContradicted) console.error(red(problem.message));
}
if (anchors.anchors === 0)
  console.log(yellow(`no anchors in ${store.file} yet: only the chain itself was checked (run npm run audit:anchor)`));
if (failed) process.exit(1);
console.log(
  green(
    `audit trail intact: ${report.events.toLocaleString('en')} events, every hash and link verified, ${anchors.held} of ${anchors.anchors} anchors hold`,
  ),
);

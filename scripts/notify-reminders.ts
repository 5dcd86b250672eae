/**
 * npm run notify:reminders: mails staff about requests waiting longer than
 * REMINDER_DAYS, escalates to admins after ESCALATION_DAYS, and lapses
 * expired reservations back to stock. The server process does the same on a
 * schedule; this is for cron or a manual run.
 */
import { createDatabase, createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import { sendReminders } from '#server/requests/reminders.ts';
import { deliverAllMail } from '#server/platform/mail.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { green } from './lib/log.ts';

const config = loadConfigOrExit();
const services = await connectServices(config, { needSearch: false });
const pool = createPool(services.ownerUrl, { max: 2 });
let exitCode = 0;
try {
  await runMigrations(pool, { appRole: services.appRole });
  const report = await sendReminders(createDatabase(pool));
  const mail = await deliverAllMail(pool);
  console.log(
    green(
      `${report.reminded.length} requests in reminders, ${report.escalated.length} escalated, ${report.lapsed.length} reservations lapsed; ${mail.sent} mails sent`,
    ),
  );
  if (mail.failed) console.error(`mail delivery will be retried by the portal: ${mail.error}`);
} catch (error) {
  console.error(`error: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await pool.end();
  await services.stop();
}
process.exit(exitCode);

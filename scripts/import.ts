/**
 * npm run import -- FILE [--format csv|tsv|json|cellosaurus] [--dry-run] [--actor NAME] [--adjust-stock REASON]
 *
 * --adjust-stock REASON: an existing batch whose vial counts differ from its last
 * import gets an `adjusted` stock movement of the difference, with that reason;
 * without it such a file is refused (stock moves through the ledger).
 *
 * Exit codes: 0 imported (or nothing to change), 1 the file has problems
 * (nothing written), 2 usage error.
 */
import { parseArgs } from 'node:util';
import { createPool } from '#db/client.ts';
import { runMigrations } from '#db/migrate.ts';
import {
  formatProblem,
  formats,
  importFile,
  ImportUsageError,
  type Format,
} from '#server/catalog/import/import-file.ts';
import { loadConfigOrExit } from './lib/config.ts';
import { connectServices } from './lib/connect.ts';
import { bold, green, red } from './lib/log.ts';
import { createProgress } from './lib/progress.ts';

const usage =
  'usage: npm run import -- FILE [--format csv|tsv|json|cellosaurus] [--dry-run] [--actor NAME] [--adjust-stock REASON]';

function usageError(message: string): never {
  console.error(`error: ${message}\n${usage}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      actor: { type: 'string' },
      'adjust-stock': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (error) {
  usageError((error as Error).message);
}
if (args.values.help) {
  console.log(usage);
  process.exit(0);
}
if (args.positionals.length !== 1) usageError(args.positionals.length ? 'one file at a time' : 'which file?');
const format = args.values.format as Format | undefined;
if (format && !formats.includes(format)) usageError(`--format must be one of ${formats.join(', ')}`);
const file = args.positionals[0]!;
const adjustStock = args.values['adjust-stock']?.trim();
if (args.values['adjust-stock'] !== undefined && !adjustStock)
  usageError('--adjust-stock needs a reason, e.g. --adjust-stock "20 vials thawed for QC"');

const config = loadConfigOrExit();

const services = await connectServices(config, { needSearch: false });
const pool = createPool(services.ownerUrl, { max: 2 });
let exitCode = 0;
try {
  await runMigrations(pool);
  const progress = createProgress();
  const t0 = performance.now();
  const report = await importFile(pool, file, {
    format,
    dryRun: args.values['dry-run'],
    adjustStock,
    actor: args.values.actor ?? `import:${process.env.USER ?? 'cli'}`,
    onProgress: (_phase, done, total) => progress.update(done, total, 'records'),
  });
  progress.done();
  const seconds = (performance.now() - t0) / 1000;
  for (const warning of report.warnings) console.error(`warning: ${warning}`);
  if (report.problems.length) {
    for (const p of report.problems) console.error(formatProblem(file, p));
    console.error(
      red(
        `\n${file}: ${report.problems.length} problem(s) in ${report.counts.rejected} record(s); nothing was imported.`,
      ),
    );
    exitCode = 1;
  } else {
    const { inserted, updated, unchanged, rejected } = report.counts;
    const changed = inserted + updated;
    const rate = Math.round(report.records / Math.max(seconds, 0.001));
    console.log(
      `${bold(file)} (${report.format}, ${report.kinds.join(' + ') || 'empty'}): ` +
        `${inserted} inserted, ${updated} updated, ${unchanged} unchanged, ${rejected} rejected` +
        (report.skipped
          ? `, ${report.skipped} skipped (${Object.entries(report.skippedByReason)
              .map(([why, n]) => `${n} ${why}`)
              .join(', ')})`
          : '') +
        ` in ${seconds.toFixed(2)} s (${rate.toLocaleString('en')} records/s)`,
    );
    if (report.dryRun) console.log('dry run: nothing was written.');
    else if (changed === 0) console.log(green('Nothing changed: the catalog already matches this file.'));
  }
} catch (error) {
  if (error instanceof ImportUsageError) {
    console.error(`error: ${error.message}`);
    exitCode = 2;
  } else {
    console.error(`error: ${(error as Error).message}`);
    exitCode = 1;
  }
} finally {
  await pool.end();
  await services.stop();
}
process.exit(exitCode);

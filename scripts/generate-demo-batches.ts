/**
 * Maintainer tool: writes seed/data/demo-batches.json, the demonstration
 * batches (and their QC results) of the demo catalog. Deterministic; every
 * batch is marked `demo`. Re-run after changing the demo lines:
 *
 *   node --import tsx scripts/generate-demo-batches.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseTsv } from '#lib/delimited.ts';
import { qcPanel } from '#seed/qc-panels.ts';
import { createRandom } from '#seed/random.ts';

const rnd = createRandom(20261123);
const read = (file: string) => {
  const [head, ...rows] = parseTsv(readFileSync(file, 'utf8'));
  const h = head!.cells;
  return rows.map((r) => Object.fromEntries(h.map((c, i) => [c, r.cells[i] ?? ''])));
};
const real = read('seed/data/real-lines.tsv');
const known = read('seed/data/well-known-lines.tsv');

const clinical = new Set(['DEMOe001-A', 'DEMO-UCMSC-01', 'DEMOi001-A']);
const chosen = [...known.filter((l) => l.category !== 'derived'), ...real.filter((_, i) => i % 6 === 0)];

let seq = 100;
const batches = chosen.flatMap((line, index) => {
  const kind = line.category === 'msc' ? 'msc' : 'pluripotent';
  const grade = clinical.has(line.name!) ? 'clinical' : 'research';
  const year = rnd.int(2019, 2025);
  const master = `MCB${String(year).slice(2)}-${String(++seq).padStart(5, '0')}`;
  const out = [];
  const mk = (
    number: string,
    type: string,
    parent: string | undefined,
    passage: number,
    y: number,
    options: { fail?: boolean; quarantine?: boolean } = {},
  ) => {
    const total = type === 'master' ? rnd.int(20, 40) : rnd.int(40, 200);
    const shipped = options.fail || options.quarantine ? 0 : rnd.int(0, Math.floor(total / 3));
    const reserved = options.fail || options.quarantine ? 0 : rnd.int(0, 4);
    const available = options.fail ? 0 : total - shipped - reserved;
    const date = `${y}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`;
    return {
      batch_number: number,
      line: line.name,
      type,
      parent_batch: parent ?? '',
      passage,
      production_date: date,
      grade,
      release_status: options.fail ? 'rejected' : options.quarantine ? 'quarantine' : 'released',
      vials_total: total,
      vials_available: options.quarantine ? total : available,
      vials_reserved: reserved,
      vials_shipped: shipped,
      storage_location: `LN2-T${rnd.int(1, 6)}/R${rnd.int(1, 12)}/B${rnd.int(1, 24)}/P${rnd.int(1, 81)}`,
      demo: true,
      qc: qcPanel(kind, grade, rnd, { iPSC: line.category === 'ipsc', failMycoplasma: options.fail }).map((q, i) => ({
        ...q,
        outcome: options.quarantine && i > 3 ? 'pending' : q.outcome,
        result: options.quarantine && i > 3 ? 'Pending' : q.result,
        tested_on: options.quarantine && i > 3 ? '' : date,
        tested_by: `QC analyst ${rnd.int(1, 6)}`,
        reviewed_by: options.quarantine && i > 3 ? '' : `QA reviewer ${rnd.int(1, 3)}`,
      })),
    };
  };
  out.push(mk(master, 'master', undefined, rnd.int(8, 15), year));
  const working = `WCB${String(year + 1).slice(2)}-${String(++seq).padStart(5, '0')}`;
  out.push(mk(working, 'working', master, rnd.int(16, 22), Math.min(year + 1, 2025), { fail: index === 7 }));
  if (index % 2 === 0 || grade === 'clinical') {
    out.push(
      mk(
        `DL${String(Math.min(year + 1, 2025)).slice(2)}-${String(++seq).padStart(5, '0')}`,
        'distribution',
        index === 7 ? master : working,
        rnd.int(20, 26),
        Math.min(year + 1, 2025),
        { quarantine: index % 9 === 4 },
      ),
    );
  }
  return out;
});

writeFileSync('seed/data/demo-batches.json', `${JSON.stringify({ batches }, null, 1)}\n`);
console.log(`${batches.length} demonstration batches for ${chosen.length} lines written`);

/**
 * Deterministic, realistic synthetic lines and batches for benchmarks, in
 * the canonical import format. Every record is marked `synthetic`; names use
 * the reserved `SYN` institute code so they can never collide with real ones.
 */
import { batchColumns, lineColumns, qcColumns } from '#schemas/catalog-input.ts';
import { diseaseVocabulary } from '#schemas/disease-vocabulary.ts';
import { qcPanel } from './qc-panels.ts';
import { createRandom } from './random.ts';

const genes = [
  'SNCA',
  'LRRK2',
  'APP',
  'PSEN1',
  'MAPT',
  'SOD1',
  'C9orf72',
  'TARDBP',
  'HTT',
  'MYH7',
  'LMNA',
  'TNNT2',
  'KCNQ1',
  'CFTR',
  'DMD',
  'GBA1',
  'PINK1',
  'PRKN',
  'TP53',
  'AAVS1',
];
const countries = ['CN', 'GB', 'US', 'JP', 'DE', 'KR', 'FR', 'NL', 'SE', 'AU'];
const tissues = [
  'skin fibroblast',
  'peripheral blood mononuclear cell',
  'urine-derived epithelial cell',
  'umbilical cord',
  'bone marrow',
  'adipose tissue',
];
const methods = ['Sendai virus', 'episomal vectors', 'mRNA reprogramming', 'lentivirus'];
const ethnicities = ['Han Chinese', 'White British', 'Japanese', 'Korean', 'African', 'South Asian', 'Hispanic', ''];

export interface SyntheticLine {
  cells: Record<string, string>;
  batches: Record<string, string>[];
  qc: Record<string, string>[];
}

/** Line `index` (0-based) of the synthetic catalog: the same on every run. */
export function syntheticLine(index: number): SyntheticLine {
  const rnd = createRandom(0x5eed + index * 7919);
  const n = index + 1;
  const roll = rnd.next();
  const category = roll < 0.72 ? 'ipsc' : roll < 0.85 ? 'hesc' : roll < 0.95 ? 'msc' : 'derived';
  const code = category === 'hesc' ? 'e' : 'i';
  const institute = `SYN${String.fromCharCode(65 + (index % 26))}${String.fromCharCode(65 + (Math.floor(index / 26) % 26))}`;
  const name = `${institute}${code}${String(n).padStart(6, '0')}-${String.fromCharCode(65 + (index % 3))}`;
  const diseased = category !== 'msc' && rnd.chance(0.45);
  const disease = diseased ? rnd.pick(diseaseVocabulary) : undefined;
  const modified = category === 'ipsc' && rnd.chance(0.2);
  const gene = rnd.pick(genes);
  const country = rnd.pick(countries);
  const sex = rnd.pick(['female', 'male', 'male', 'female', 'unknown']);
  const ageLo = rnd.int(1, 17) * 5;
  const cells: Record<string, string> = {
    name,
    category,
    status: rnd.chance(0.98) ? 'published' : 'hidden',
    availability: rnd.pick(['available', 'available', 'available', 'expand_to_order', 'restricted', 'not_available']),
    provider: `Synthetic Bank ${1 + (index % 40)}`,
    provider_country: country,
    country,
    derivation_date: `${rnd.int(2008, 2025)}-${String(rnd.int(1, 12)).padStart(2, '0')}`,
    donor_code: `SYN-D${String(Math.floor(index / 2)).padStart(6, '0')}`,
    sex,
    age_band: category === 'hesc' ? 'embryo' : `${ageLo}-${ageLo + 4}`,
    ethnicity: rnd.pick(ethnicities),
    diseases: disease ? `${disease.en}|${disease.ontologyId ?? ''}` : '',
    synonyms: `${institute.toLowerCase()}-${n}; SYN line ${n}`,
    identifiers: `BioSamples:SAMEAS${String(n).padStart(7, '0')}; Catalogue:SYN-${n}`,
    source_tissue: category === 'msc' ? rnd.pick(tissues.slice(3)) : rnd.pick(tissues.slice(0, 3)),
    reprogramming_method: category === 'ipsc' ? rnd.pick(methods) : '',
    vector_type: category === 'ipsc' ? 'non-integrating' : '',
    feeder: rnd.chance(0.85) ? 'feeder-free' : 'feeder-dependent',
    modifications: modified
      ? `${rnd.pick(['knock-in', 'knock-out', 'reporter', 'isogenic-control'])}|${gene}||${rnd.pick(['heterozygous', 'homozygous'])}`
      : '',
    use_restrictions: rnd.chance(0.1) ? 'clinical_permitted' : 'research_only',
    synthetic: 'yes',
    data_source: 'Synthetic record (benchmark data)',
  };
  const batches: Record<string, string>[] = [];
  const qc: Record<string, string>[] = [];
  if (index % 3 === 0) {
    const grade = rnd.chance(0.15) ? 'clinical' : 'research';
    const number = `SYNB-${String(n).padStart(7, '0')}`;
    const total = rnd.int(20, 120);
    const shipped = rnd.int(0, Math.floor(total / 4));
    batches.push({
      batch_number: number,
      line: name,
      type: 'distribution',
      passage: String(rnd.int(10, 30)),
      production_date: `${rnd.int(2015, 2025)}-0${rnd.int(1, 9)}-1${rnd.int(0, 9)}`,
      grade,
      release_status: 'released',
      vials_total: String(total),
      vials_available: String(total - shipped),
      vials_reserved: '0',
      vials_shipped: String(shipped),
      storage_location: `SYN-T${rnd.int(1, 9)}/R${rnd.int(1, 9)}`,
      synthetic: 'yes',
    });
    for (const q of qcPanel(category === 'msc' ? 'msc' : 'pluripotent', grade as 'research' | 'clinical', rnd, {
      iPSC: category === 'ipsc',
    })) {
      qc.push({
        batch_number: number,
        test: q.test,
        method: q.method,
        specification: q.specification,
        result: q.result,
        outcome: q.outcome,
      });
    }
  }
  return { cells, batches, qc };
}

const escapeTsv = (v: string | undefined) => (v ?? '').replace(/[\t\n\r]/g, ' ');

export function toTsv(columns: string[], rows: Record<string, string>[]): string {
  return `${[columns.join('\t'), ...rows.map((r) => columns.map((c) => escapeTsv(r[c])).join('\t'))].join('\n')}\n`;
}

/** Lines [from, to) as three canonical TSV texts (lines, batches, QC results). */
export function syntheticFiles(from: number, to: number) {
  const lines: Record<string, string>[] = [];
  const batches: Record<string, string>[] = [];
  const qc: Record<string, string>[] = [];
  for (let i = from; i < to; i++) {
    const s = syntheticLine(i);
    lines.push(s.cells);
    batches.push(...s.batches);
    qc.push(...s.qc);
  }
  return {
    lines: toTsv(lineColumns, lines),
    batches: toTsv(batchColumns, batches),
    qc: toTsv(qcColumns, qc),
    counts: { lines: lines.length, batches: batches.length, qc: qc.length },
  };
}

/**
 * Reads the Cellosaurus flat-file format (cellosaurus.txt): two-letter line
 * codes, records ended by `//`. Keeps human stem cell entries (induced
 * pluripotent, embryonic, adult/mesenchymal stem or stromal) and maps them to
 * the canonical line input, so they go through the same validation as CSV.
 */
import type { LineInput } from '#schemas/catalog-input.ts';

export interface CellosaurusEntry {
  /** Line of the file where the entry's ID line is. */
  line: number;
  fields: Map<string, string[]>;
  /** Line of the file of each value, in the order of `fields`' lists. */
  lines: Map<string, number[]>;
}

/** A malformed entry or line; reported as `FILE:LINE: field: message`. */
export interface CellosaurusProblem {
  line: number;
  field: string;
  message: string;
}

/**
 * The line codes of the Cellosaurus flat file (cellosaurus_txt user manual).
 * Anything else inside a record means the file is not what we think it is:
 * an error, never silently ignored.
 */
const lineCodes = new Set([
  'ID',
  'AC',
  'AS',
  'SY',
  'DR',
  'RX',
  'WW',
  'CC',
  'ST',
  'DI',
  'OX',
  'HI',
  'OI',
  'SX',
  'AG',
  'CA',
  'DT',
]);
/** Codes every entry carries exactly once. */
const requiredOnce = ['ID', 'AC', 'OX', 'CA'] as const;

export function parseCellosaurusEntries(text: string): { entries: CellosaurusEntry[]; problems: CellosaurusProblem[] } {
  const entries: CellosaurusEntry[] = [];
  const problems: CellosaurusProblem[] = [];
  let current: CellosaurusEntry | undefined;
  /** Before the first record: the file's free-text header. */
  let inHeader = true;
  const rows = text.split(/\r?\n/);
  if (rows.at(-1) === '') rows.pop();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const lineNo = i + 1;
    if (row.startsWith('//')) {
      if (current) entries.push(current);
      else if (!inHeader) problems.push({ line: lineNo, field: '//', message: 'ends a record that has no lines' });
      current = undefined;
      inHeader = false;
      continue;
    }
    const m = /^([A-Z]{2}) {3}(.*)$/.exec(row);
    if (!m) {
      if (inHeader && !current) continue; // the file header
      if (row.trim() === '' && !current) continue; // blank lines between records
      problems.push({
        line: lineNo,
        field: 'line',
        message: `"${row.slice(0, 40)}" is not a Cellosaurus line (two-letter code, three spaces, value)`,
      });
      continue;
    }
    const [, code, value] = m as unknown as [string, string, string];
    if (!lineCodes.has(code)) {
      problems.push({ line: lineNo, field: code, message: 'is not a Cellosaurus line code' });
      continue;
    }
    if (!current) {
      inHeader = false;
      current = { line: lineNo, fields: new Map(), lines: new Map() };
    }
    const list = current.fields.get(code) ?? [];
    list.push(value.trim());
    current.fields.set(code, list);
    const at = current.lines.get(code) ?? [];
    at.push(lineNo);
    current.lines.set(code, at);
  }
  if (current) {
    problems.push({
      line: current.line,
      field: '//',
      message: 'the last record is not closed by "//": the file looks truncated',
    });
  }
  const wellFormed: CellosaurusEntry[] = [];
  for (const entry of entries) {
    const before = problems.length;
    for (const code of requiredOnce) {
      const values = entry.fields.get(code) ?? [];
      if (!values.length || values.every((v) => v === ''))
        problems.push({ line: entry.line, field: code, message: 'missing' });
      else if (values.length > 1 && code !== 'OX')
        problems.push({ line: entry.lines.get(code)![1]!, field: code, message: 'appears twice in one record' });
    }
    const sx = entry.fields.get('SX') ?? [];
    if (sx.length && sexOf(sx[0]!) === undefined) {
      problems.push({
        line: entry.lines.get('SX')![0]!,
        field: 'SX',
        message: `"${sx[0]}" is not a Cellosaurus sex (${cellosaurusSexes.join(', ')})`,
      });
    }
    const ag = entry.fields.get('AG') ?? [];
    if (ag.length && !isCellosaurusAge(ag[0]!)) {
      problems.push({
        line: entry.lines.get('AG')![0]!,
        field: 'AG',
        message: `"${ag[0]}" is not a Cellosaurus age (such as 30Y, 30Y6M, 20Y-29Y, Fetus at 12W, Blastocyst stage, Age unspecified)`,
      });
    }
    if (problems.length === before) wellFormed.push(entry);
  }
  problems.sort((a, b) => a.line - b.line);
  return { entries: wellFormed, problems };
}

/** The SX vocabulary of Cellosaurus; only female and male say something about the donor. */
const cellosaurusSexes = ['Female', 'Male', 'Mixed sex', 'Sex ambiguous', 'Sex undetermined', 'Sex unspecified'];

function sexOf(sx: string): 'female' | 'male' | 'unknown' | undefined {
  const s = sx.toLowerCase();
  if (s === 'female' || s === 'male') return s;
  return cellosaurusSexes.some((c) => c.toLowerCase() === s) ? 'unknown' : undefined;
}

const agePart = String.raw`\d+(?:\.\d+)?[YMWD](?:\d+(?:\.\d+)?[MWD])*`;
const agePattern = new RegExp(
  String.raw`^(?:[<>]=?)?${agePart}(?:-${agePart})?$|^(?:Fetus|Embryo)(?: at ${agePart}(?:-${agePart})?)?$|^(?:Age unspecified|Blastocyst stage|Embryonic stage|Newborn|Neonate|Children|Child|Adult|Juvenile|Prenatal|Postnatal|Late adult|Young adult)$`,
  'i',
);

function isCellosaurusAge(ag: string): boolean {
  return agePattern.test(ag.replace(/\.$/, '').trim());
}

/** "30Y", "30Y6M" -> "30"; "20Y-29Y" -> "20-29"; anything vaguer -> no band. */
function ageBandOf(ag: string | undefined): string | undefined {
  if (!ag) return undefined;
  const range = /^(\d+)Y-(\d+)Y$/.exec(ag);
  if (range) return `${range[1]}-${range[2]}`;
  const single = /^(\d+)Y/.exec(ag);
  return single ? single[1] : undefined;
}

/** Cellosaurus category (CA) -> canonical category; entries of other categories are skipped. */
const stemCategories: Record<string, string> = {
  'induced pluripotent stem cell': 'ipsc',
  'embryonic stem cell': 'hesc',
  'adult stem cell': 'msc',
  'stromal cell line': 'msc',
  'mesenchymal stem cell': 'msc',
};

/** Cellosaurus DR databases -> identifier sources of the catalog. */
const xrefSources: Record<string, string> = {
  BioSample: 'BioSamples',
  BioSamples: 'BioSamples',
  hPSCreg: 'hPSCreg',
  HipSci: 'HipSci',
  EBiSC: 'EBiSC',
  ECACC: 'ECACC',
  Coriell: 'Coriell',
  WiCell: 'WiCell',
  ATCC: 'ATCC',
};

export interface CellosaurusMapped {
  line: number;
  input: LineInput;
}

export interface CellosaurusResult {
  kept: CellosaurusMapped[];
  /** Well-formed entries left out, by reason ("not human", "not a stem cell line"). */
  skipped: Record<string, number>;
  /** Same-named entries, renamed with their accession. */
  renamed: string[];
}

export function mapCellosaurus(entries: CellosaurusEntry[]): CellosaurusResult {
  const kept: CellosaurusMapped[] = [];
  const renamed: string[] = [];
  const names = new Set<string>();
  const skipped: Record<string, number> = {};
  const skip = (reason: string) => (skipped[reason] = (skipped[reason] ?? 0) + 1);
  for (const entry of entries) {
    const get = (code: string) => entry.fields.get(code) ?? [];
    const category = stemCategories[(get('CA')[0] ?? '').toLowerCase()];
    const human = get('OX').some((ox) => /NCBI_TaxID=9606\b/.test(ox));
    if (!human) {
      skip('not human');
      continue;
    }
    if (!category) {
      skip('not a stem cell line');
      continue;
    }
    const accession = get('AC')[0];
    const identifiers = accession ? [`Cellosaurus:${accession}`] : [];
    for (const dr of get('DR')) {
      const [db, id] = dr.split(';').map((s) => s.trim());
      const source = db ? xrefSources[db] : undefined;
      if (source && id) identifiers.push(`${source}:${id}`);
    }
    const diseases = get('DI').map((di) => {
      // "NCIt; C26845; Parkinson disease" or "ORDO; Orphanet_319; Parkinson disease"
      const [db, id, ...name] = di.split(';').map((s) => s.trim());
      const ontologyId = db && id ? `${db === 'ORDO' ? 'Orphanet' : db}:${id.replace(/^Orphanet_/, '')}` : '';
      return `${name.join('; ').replace(/\.$/, '')}|${ontologyId}`;
    });
    const publications = get('RX').flatMap((rx) =>
      [...rx.matchAll(/(PubMed|DOI)=([^;]+);/g)].map((m) => (m[1] === 'PubMed' ? `PMID:${m[2]}` : `doi:${m[2]}`)),
    );
    const parent = get('HI')[0]?.split('!')[1]?.trim();
    const population = get('CC')
      .find((cc) => cc.startsWith('Population:'))
      ?.replace(/^Population:\s*/, '')
      .replace(/\.$/, '');
    const age = get('AG')[0];
    // Cellosaurus names are not unique (many labs have an "iPS-1"); the
    // accession tells same-named lines apart.
    let name = get('ID')[0] ?? '';
    if (names.has(name.toLowerCase()) && accession) {
      renamed.push(`${name} -> ${name} (${accession})`);
      name = `${name} (${accession})`;
    }
    names.add(name.toLowerCase());
    kept.push({
      line: entry.line,
      input: {
        name,
        category,
        synonyms: get('SY')
          .flatMap((sy) => sy.split(';'))
          .map((s) => s.trim())
          .filter(Boolean),
        identifiers,
        diseases,
        sex: sexOf(get('SX')[0] ?? 'Sex unspecified') ?? 'unknown',
        age_band: ageBandOf(age),
        ethnicity: population,
        publications,
        parent_line: parent,
        data_source: `Cellosaurus ${accession ?? ''}`.trim(),
      },
    });
  }
  return { kept, skipped, renamed };
}

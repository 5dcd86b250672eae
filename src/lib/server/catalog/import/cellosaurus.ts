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
}

export function parseCellosaurusEntries(text: string): CellosaurusEntry[] {
  const entries: CellosaurusEntry[] = [];
  let current: CellosaurusEntry | undefined;
  const rows = text.split(/\r?\n/);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.startsWith('//')) {
      if (current) entries.push(current);
      current = undefined;
      continue;
    }
    const m = /^([A-Z]{2})   (.*)$/.exec(row);
    if (!m) continue; // file header, blank lines
    const [, code, value] = m as unknown as [string, string, string];
    if (code === 'ID') current = { line: i + 1, fields: new Map() };
    if (!current) continue;
    const list = current.fields.get(code) ?? [];
    list.push(value.trim());
    current.fields.set(code, list);
  }
  if (current) entries.push(current);
  return entries;
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
  /** Entries skipped because they are not human stem cell lines. */
  skipped: number;
  /** Same-named entries, renamed with their accession. */
  renamed: string[];
}

export function mapCellosaurus(entries: CellosaurusEntry[]): CellosaurusResult {
  const kept: CellosaurusMapped[] = [];
  const renamed: string[] = [];
  const names = new Set<string>();
  let skipped = 0;
  for (const entry of entries) {
    const get = (code: string) => entry.fields.get(code) ?? [];
    const category = stemCategories[(get('CA')[0] ?? '').toLowerCase()];
    const human = get('OX').some((ox) => /NCBI_TaxID=9606\b/.test(ox));
    if (!category || !human) {
      skipped++;
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
    const population = get('CC').find((cc) => cc.startsWith('Population:'))?.replace(/^Population:\s*/, '').replace(/\.$/, '');
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
        synonyms: get('SY').flatMap((sy) => sy.split(';')).map((s) => s.trim()).filter(Boolean),
        identifiers,
        diseases,
        sex: sexOf(get('SX')[0]),
        age_band: age && /^\d+Y/.test(age) ? age.replace(/Y.*$/, '') : undefined,
        ethnicity: population,
        publications,
        parent_line: parent,
        data_source: `Cellosaurus ${accession ?? ''}`.trim(),
      },
    });
  }
  return { kept, skipped, renamed };
}

function sexOf(sx: string | undefined): string {
  const s = (sx ?? '').toLowerCase();
  return s === 'female' || s === 'male' ? s : 'unknown';
}

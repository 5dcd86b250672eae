/**
 * Maintainer tool, not run by the portal: turns the union table of real
 * public iPSC lines (HipSci portal export, IDR0037 HipSci annotation, Allen
 * Cell Collection; see docs/data-sources.md) into the canonical import format.
 * The result is committed as seed/data/real-lines.tsv.
 *
 *   node --import tsx scripts/convert-real-lines.ts combined_stem_lines.tsv seed/data/real-lines.tsv
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { lineColumns } from '#schemas/catalog-input.ts';
import { parseTsv } from '#lib/delimited.ts';

const [src, out] = process.argv.slice(2);
if (!src || !out) {
  console.error('usage: convert-real-lines.ts SOURCE.tsv OUT.tsv');
  process.exit(2);
}

const [head, ...rows] = parseTsv(readFileSync(src, 'utf8'));
const header = head!.cells;

const sources: Record<string, string> = {
  'handetopa/hipsci-xci:data/hipsci_lines.tsv':
    'HipSci portal export (hipsci.org), via github.com/handetopa/hipsci-xci',
  'snoopycrimecop/idr0037-vigilante-hipsci:screenA/idr0037-screenA-annotation.csv':
    'IDR0037 HipSci screen annotation (CC BY 4.0), via github.com/snoopycrimecop/idr0037-vigilante-hipsci',
  'allen-cell-animated/cell-catalog:src/pages/*/index.md':
    'Allen Cell Collection catalog (allencell.org), via github.com/allen-cell-animated/cell-catalog',
};

function modifications(text: string): string {
  if (!text) return '';
  // Disease knock-ins: "NM_000257.4(MYH7):c.767G>A(p.Gly256Glu) knock-in; clones Mutant:102:G256E/WT;..."
  const knockIn = /^(\S+\((\w+)\):\S+)\s+knock-in/.exec(text);
  if (knockIn) return `knock-in|${knockIn[2]}|${knockIn[1]}|heterozygous`;
  // Tagged reporters: "TOMM20 C-terminus mEGFP (mono); AAVS1 NA mTagRFP-T (mono)"
  return text
    .split(';')
    .map((part) => {
      const m = /^\s*(\S+)\s+(.+?)\s+(\S+)\s+\((mono|bi)\)\s*$/.exec(part);
      if (!m) return `other|||unknown`;
      const [, gene, location, tag, alleles] = m;
      const where = location === 'NA' ? 'safe-harbour locus' : location;
      return `reporter|${gene}|${tag} at ${where}|${alleles === 'bi' ? 'homozygous' : 'heterozygous'}`;
    })
    .join('; ');
}

function disease(text: string): string {
  const t = text.trim();
  if (!t || /^normal$/i.test(t)) return '';
  const bbs = /^bardet-biedl syndrome\s*(.*)$/i.exec(t);
  if (bbs) return bbs[1] ? `Bardet-Biedl syndrome||${bbs[1]}` : 'Bardet-Biedl syndrome';
  return t;
}

function availability(bank: string): string {
  if (/Banked at|Coriell/.test(bank)) return 'available';
  if (/Shipped to|Selected for banking/.test(bank)) return 'expand_to_order';
  return 'not_available';
}

const converted = rows.map(({ cells }) => {
  const r = Object.fromEntries(header.map((h, i) => [h, (cells[i] ?? '').trim()]));
  const hipsci = /^HPSI\d{4}[a-z]+-([a-z]{4})_\d+$/.exec(r.name!);
  const allen = r.source!.startsWith('allen');
  const ids: string[] = [];
  const synonyms: string[] = [];
  for (const s of r
    .synonyms!.split(/[;,]/)
    .map((x) => x.trim())
    .filter(Boolean)) {
    if (/^SAM[END]A?\d+$/.test(s)) ids.push(`BioSamples:${s}`);
    else if (/^[A-Z]{2,6}i\d{3}-[A-Z](-\d+)?$/.test(s)) {
      ids.push(`hPSCreg:${s}`);
      synonyms.push(s);
    } else synonyms.push(s);
  }
  if (r.ecacc_cat_no) ids.push(`ECACC:${r.ecacc_cat_no}`);
  if (hipsci) ids.push(`HipSci:${r.name}`);
  if (allen) ids.push(`Coriell:${r.name}`);
  const provider = r.provider!.startsWith('HipSci') ? 'HipSci' : r.provider;
  const method = r.derivation_method!;
  const row: Record<string, string> = {
    name: r.name!,
    category: r.cell_type === 'iPSC' || /ipsc/i.test(r.name!) ? 'ipsc' : 'other',
    status: 'published',
    availability: availability(r.bank!),
    provider: provider ?? '',
    provider_country: provider === 'HipSci' ? 'GB' : allen ? 'US' : '',
    generating_institute:
      provider === 'HipSci' ? 'Wellcome Sanger Institute' : allen ? 'Allen Institute for Cell Science' : '',
    country: provider === 'HipSci' ? 'GB' : allen ? 'US' : '',
    derivation_date: r.derivation_date!,
    donor_code: hipsci ? hipsci[1]! : allen ? 'WTC' : '',
    sex: r.sex!,
    age_band: r.age!,
    ethnicity: r.ethnicity!,
    diseases: disease(r.disease!),
    synonyms: synonyms.join('; '),
    identifiers: ids.join('; '),
    source_tissue: r.source_tissue!,
    reprogramming_method: /CytoTune/.test(method) ? `Sendai virus (${method})` : '',
    vector_type: /CytoTune/.test(method) ? 'non-integrating' : '',
    feeder: r.culture!,
    modifications: allen ? modifications(r.genetic_modification!) : '',
    data_source: sources[r.source!] ?? r.source!,
  };
  if (allen) row.karyotype = '';
  return lineColumns.map((c) => (row[c] ?? '').replace(/[\t\n]/g, ' '));
});

writeFileSync(out, `${[lineColumns.join('\t'), ...converted.map((c) => c.join('\t'))].join('\n')}\n`);
console.log(`${converted.length} lines written to ${out}`);

/**
 * The words people and sources use for the catalog's controlled values, and
 * the canonical value each one means. Shared by the importer, the search
 * documents and the UI labels.
 */
import type { LineCategory } from '#db/schema/catalog.ts';

const categoryAliases: Record<string, LineCategory> = {
  ipsc: 'ipsc',
  hipsc: 'ipsc',
  ips: 'ipsc',
  'induced pluripotent stem cell': 'ipsc',
  'induced pluripotent': 'ipsc',
  'ips cell': 'ipsc',
  'hips cell': 'ipsc',
  'human induced pluripotent stem cell': 'ipsc',
  'disease-model ipsc': 'ipsc',
  'gene-edited ipsc': 'ipsc',
  hesc: 'hesc',
  hes: 'hesc',
  esc: 'hesc',
  'embryonic stem cell': 'hesc',
  'es cell': 'hesc',
  'hes cell': 'hesc',
  'human es cell': 'hesc',
  'parthenogenetic embryonic stem cell': 'hesc',
  'human embryonic stem cell': 'hesc',
  embryonic: 'hesc',
  msc: 'msc',
  'mesenchymal stem cell': 'msc',
  'mesenchymal stromal cell': 'msc',
  'mesenchymal stem/stromal cell': 'msc',
  'adult stem cell': 'msc',
  'uc-msc': 'msc',
  'bm-msc': 'msc',
  derived: 'derived',
  'ipsc-derived': 'derived',
  'hesc-derived': 'derived',
  other: 'other',
};

export function normaliseCategory(value: string): LineCategory | undefined {
  const v = value
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, ' ');
  // Plurals too: "iPSCs", "embryonic stem cells".
  return categoryAliases[v] ?? categoryAliases[v.replace(/s$/, '')];
}

export const categoryNames = Object.keys(categoryAliases);

/** Five-year bands, as hPSCreg and HipSci publish them: `45-49`. */
export function normaliseAgeBand(value: string): string | undefined {
  const v = value
    .trim()
    .toLowerCase()
    .replace(/\s*years?$/, '')
    .replace(/\s+/g, '');
  const band = /^(\d{1,3})-(\d{1,3})$/.exec(v);
  if (band) return `${Number(band[1])}-${Number(band[2])}`;
  // A single age ("30Y", "30") is widened to its band: exact ages are identifying.
  const single = /^(\d{1,3})y?$/.exec(v);
  if (single) {
    const lo = Math.floor(Number(single[1]) / 5) * 5;
    return `${lo}-${lo + 4}`;
  }
  if (/^(fetal|foetal|embryo|embryonic|neonatal|newborn)$/.test(v))
    return v === 'foetal' ? 'fetal' : v === 'newborn' ? 'neonatal' : v;
  return undefined;
}

export function normaliseSex(value: string): 'female' | 'male' | 'unknown' | undefined {
  const v = value.trim().toLowerCase();
  if (['female', 'f', 'woman'].includes(v)) return 'female';
  if (['male', 'm', 'man'].includes(v)) return 'male';
  if (['', 'unknown', 'u', 'not known', 'n/a', 'na'].includes(v)) return 'unknown';
  return undefined;
}

/** Words that mean "no disease" in the sources: the donor is a healthy control. */
export function isHealthy(disease: string): boolean {
  return /^(normal|healthy|control|none|healthy control|apparently healthy)$/i.test(disease.trim());
}

export function normaliseFeeder(value: string): 'feeder-free' | 'feeder-dependent' | undefined {
  const v = value.trim().toLowerCase().replace(/\s+/g, '-');
  if (v === 'feeder-free' || v === 'feederfree') return 'feeder-free';
  if (v === 'feeder-dependent' || v === 'on-feeders' || v === 'feeder') return 'feeder-dependent';
  return undefined;
}

/** Registries of clinical trial ids, by prefix. */
export function trialRegistry(trialId: string): { name: string; url: string } | undefined {
  const id = trialId.trim();
  if (/^NCT\d+/i.test(id)) return { name: 'ClinicalTrials.gov', url: `https://clinicaltrials.gov/study/${id}` };
  if (/^jRCT/i.test(id)) return { name: 'jRCT', url: `https://jrct.niph.go.jp/en-latest-detail/${id}` };
  if (/^UMIN/i.test(id))
    return {
      name: 'UMIN-CTR',
      url: `https://center6.umin.ac.jp/cgi-open-bin/ctr_e/ctr_view.cgi?recptno=${id.replace(/^UMIN/i, 'R')}`,
    };
  if (/^ChiCTR/i.test(id)) return { name: 'ChiCTR', url: `https://www.chictr.org.cn/searchprojEN.html?regno=${id}` };
  if (/^CTR\d/i.test(id)) return { name: 'China Drug Trials (CTR)', url: `http://www.chinadrugtrials.org.cn/` };
  if (/^ACTRN/i.test(id))
    return {
      name: 'ANZCTR',
      url: `https://www.anzctr.org.au/Trial/Registration/TrialReview.aspx?ACTRN=${id.replace(/^ACTRN/i, '')}`,
    };
  if (/^IRCT/i.test(id)) return { name: 'IRCT', url: `https://irct.behdasht.gov.ir/search/result?query=${id}` };
  return undefined;
}

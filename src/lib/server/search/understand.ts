/**
 * Reading a typed query the way a researcher means it.
 *
 * People type phrases, not keywords: "induced pluripotent stem cells from
 * female Parkinson patients", "临床级胚胎干细胞系", "H9 (RRID:CVCL_9773)".
 * Words that name a facet value (cell type, sex, grade, country, disease,
 * availability) become filters, so contradicting lines cannot rank first;
 * filler words (lines, cells, from …) are dropped; a registry prefix
 * (`RRID:`, `Cellosaurus:`, `hPSCreg:` …) is stripped from the identifier it
 * introduces. What is left is searched as words. Pure: the caller supplies
 * the facet values the index holds (a word only filters on a value that exists).
 */
import { diseaseVocabulary } from '#schemas/disease-vocabulary.ts';
import { categoryTerms } from '#search/synonyms.ts';
import type { FilterName } from '#lib/search-url.ts';

export interface UnderstoodFilter {
  facet: FilterName;
  value: string;
  /** The words of the query that named it, as typed. */
  words: string;
}

export interface UnderstoodQuery {
  /** What remains to search as words. */
  q: string;
  filters: UnderstoodFilter[];
}

export interface KnownValues {
  /** Disease facet values as stored (English names). */
  diseases: readonly string[];
  /** Country facet values (ISO codes). */
  countries: readonly string[];
  /** Gene and provider facet values: words for spelling suggestions. */
  genes?: readonly string[];
  providers?: readonly string[];
}

/** Registries whose prefix people write before an identifier (methods sections, RRID portal). */
const registryPrefix =
  /\b(?:RRID|Cellosaurus|CVCL|hPSCreg|BioSamples|EBiSC|ECACC|HipSci|Coriell|WiCell|ATCC)\s*:\s*(?=\S)/gi;

/** Removes `RRID:`-style prefixes, keeping the identifier (`RRID:CVCL_9773` -> `CVCL_9773`). */
export function stripRegistryPrefixes(q: string): string {
  // `CVCL:` is not a prefix but the start of an accession written with a colon (CVCL:9773).
  return q.replace(registryPrefix, (m) => (/^cvcl/i.test(m) ? 'CVCL_' : ''));
}

type Phrase = { words: string; facet: FilterName; value: string };

const categoryPhrases: Phrase[] = Object.entries(categoryTerms).flatMap(([value, terms]) =>
  value === 'other'
    ? []
    : [...terms, ...terms.filter((t) => /[a-z]$/i.test(t) && !/s$/i.test(t) && t.length > 4).map((t) => `${t}s`)].map(
        (words) => ({ words, facet: 'category' as const, value }),
      ),
);

const extraCategoryPhrases: Phrase[] = [
  ['induced pluripotent stem cells', 'ipsc'],
  ['induced pluripotent stem cell lines', 'ipsc'],
  ['ips cells', 'ipsc'],
  ['ipsc lines', 'ipsc'],
  ['诱导性多能干细胞', 'ipsc'],
  ['iPS细胞', 'ipsc'],
  ['embryonic stem cells', 'hesc'],
  ['human embryonic stem cells', 'hesc'],
  ['es cells', 'hesc'],
  ['胚胎干细胞系', 'hesc'],
  ['mesenchymal stem cells', 'msc'],
  ['mesenchymal stromal cells', 'msc'],
  ['间充质细胞', 'msc'],
].map(([words, value]) => ({ words: words!, facet: 'category' as const, value: value! }));

const sexPhrases: Phrase[] = [
  ['female', 'female'],
  ['females', 'female'],
  ['woman', 'female'],
  ['women', 'female'],
  ['女性', 'female'],
  ['女性供者', 'female'],
  ['male', 'male'],
  ['males', 'male'],
  ['man', 'male'],
  ['men', 'male'],
  ['男性', 'male'],
  ['男性供者', 'male'],
].map(([words, value]) => ({ words: words!, facet: 'sex' as const, value: value! }));

const gradePhrases: Phrase[] = [
  ['clinical grade', 'clinical'],
  ['clinical-grade', 'clinical'],
  ['GMP', 'clinical'],
  ['GMP grade', 'clinical'],
  ['GMP-grade', 'clinical'],
  ['临床级', 'clinical'],
  ['临床级别', 'clinical'],
  ['research grade', 'research'],
  ['research-grade', 'research'],
  ['科研级', 'research'],
  ['研究级', 'research'],
].map(([words, value]) => ({ words: words!, facet: 'grade' as const, value: value! }));

const availabilityPhrases: Phrase[] = [
  ['in stock', 'available'],
  ['available now', 'available'],
  ['有现货', 'available'],
  ['现货', 'available'],
  ['有库存', 'available'],
].map(([words, value]) => ({ words: words!, facet: 'availability' as const, value: value! }));

/** Other names of countries people type, beyond what Intl gives. */
const countryAliases: Record<string, string[]> = {
  GB: ['UK', 'Britain', 'Great Britain', 'England', 'British'],
  US: ['USA', 'US', 'America', 'American', 'United States of America'],
  CN: ['Chinese'],
  JP: ['Japanese'],
  DE: ['German'],
};

/** Filler that says nothing once the facet words are read ("lines from donors with …"). */
const fillerWords = new Set([
  'line',
  'lines',
  'cell',
  'cells',
  'stem',
  'from',
  'with',
  'of',
  'a',
  'an',
  'the',
  'for',
  'in',
  'and',
  'donor',
  'donors',
  'patient',
  'patients',
  'human',
  'derived',
  '细胞系',
  '细胞',
  '的',
  '来自',
  '供者',
  '患者',
  '病人',
]);

const hasHan = (s: string) => /\p{Script=Han}/u.test(s);

function escapeRegExp(s: string) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Where `phrase` occurs in `text` as whole words (Chinese: anywhere), case-insensitive. */
function find(text: string, phrase: string): RegExpExecArray | null {
  const body = escapeRegExp(phrase).replace(/\\?[ -]/g, '[\\s-]+');
  // Two capitals (UK, US) must be typed as such: "us" and "uk" are also words.
  const flags = /^[A-Z]{2}$/.test(phrase) ? 'u' : 'iu';
  const re = hasHan(phrase)
    ? new RegExp(body, flags)
    : new RegExp(`(?<![\\p{L}\\p{N}_])${body}(?![\\p{L}\\p{N}_])`, flags);
  return re.exec(text);
}

function countryPhrases(codes: readonly string[]): Phrase[] {
  const out: Phrase[] = [];
  for (const tag of ['en', 'zh-CN']) {
    const names = new Intl.DisplayNames([tag], { type: 'region' });
    for (const code of codes) {
      try {
        const name = names.of(code);
        if (name && name !== code) out.push({ words: name, facet: 'country', value: code });
      } catch {
        /* not a region code */
      }
    }
  }
  for (const code of codes)
    for (const alias of countryAliases[code] ?? []) out.push({ words: alias, facet: 'country', value: code });
  return out;
}

function diseasePhrases(stored: readonly string[]): Phrase[] {
  const byLower = new Map(stored.map((d) => [d.toLowerCase(), d]));
  const out: Phrase[] = [];
  for (const term of diseaseVocabulary) {
    const value = byLower.get(term.en.toLowerCase());
    if (!value) continue;
    for (const words of [term.en, term.zh, ...term.synonyms]) {
      // Two-letter abbreviations (PD, AD, HD) are too easily part of a name or a gene: they stay words, which the search synonyms expand.
      if (/^[A-Za-z]{1,2}$/.test(words)) continue;
      out.push({ words, facet: 'disease', value });
    }
  }
  for (const value of stored) out.push({ words: value, facet: 'disease', value });
  return out;
}

/**
 * Facet words out, filler out, registry prefixes off. A query that is one
 * identifier-like token (a digit in it: `HPSI0114i`, `KOLF2.1J`) is left
 * as it is: names are not sentences.
 */
export function understandQuery(raw: string, known: KnownValues): UnderstoodQuery {
  const q = stripRegistryPrefixes(raw).trim();
  if (!q || (!/\s/.test(q) && /\d/.test(q) && !hasHan(q))) return { q, filters: [] };
  const phrases = [
    ...extraCategoryPhrases,
    ...categoryPhrases,
    ...sexPhrases,
    ...gradePhrases,
    ...availabilityPhrases,
    ...countryPhrases(known.countries),
    ...diseasePhrases(known.diseases),
  ]
    // Longest first: "induced pluripotent stem cells" before "induced pluripotent", "female" before "male".
    .sort((a, b) => b.words.length - a.words.length);
  let rest = q;
  const filters: UnderstoodFilter[] = [];
  for (const p of phrases) {
    if (filters.some((f) => f.facet === p.facet)) continue; // one value per facet: a second would widen, not narrow
    const m = find(rest, p.words);
    if (!m) continue;
    filters.push({ facet: p.facet, value: p.value, words: m[0] });
    rest = `${rest.slice(0, m.index)} ${rest.slice(m.index + m[0].length)}`;
  }
  const words = rest.split(/[\s,;()]+/).filter((w) => w && !fillerWords.has(w.toLowerCase()));
  let remaining = words.join(' ');
  if (hasHan(remaining))
    for (const f of fillerWords) if (hasHan(f) && f.length > 1) remaining = remaining.replaceAll(f, ' ');
  remaining = remaining.replace(/\s+/g, ' ').trim();
  // What a phrase leaves of a Chinese compound (系 of 细胞系, 株 of 细胞株) says nothing alone.
  if (/^\p{Script=Han}$/u.test(remaining)) remaining = '';
  if (!filters.length) return { q: remaining || q, filters };
  return { q: remaining, filters };
}

/**
 * "Did you mean": the nearest spelling of each word the catalog does not
 * know, among the words it does (cell kinds, diseases and their synonyms,
 * genes, providers, tag families). Meilisearch already forgives one or two
 * typos; this catches what is further off (`parkisnon`, `fibroblasst`).
 */
import { distance } from 'fastest-levenshtein';
import { diseaseVocabulary } from '#schemas/disease-vocabulary.ts';
import { categoryTerms } from '#search/synonyms.ts';
import type { KnownValues } from './understand.ts';

const fixedWords = [
  ...Object.values(categoryTerms).flat(),
  ...diseaseVocabulary.flatMap((d) => [d.en, ...d.synonyms]),
  'GFP',
  'RFP',
  'YFP',
  'CFP',
  'mEGFP',
  'mCherry',
  'reporter',
  'knock-in',
  'knock-out',
  'isogenic',
  'control',
  'corrected',
  'fibroblast',
  'fibroblasts',
  'skin',
  'blood',
  'female',
  'male',
  'clinical',
  'research',
  'grade',
];

function vocabulary(known: KnownValues): Map<string, string> {
  const words = new Map<string, string>();
  for (const phrase of [...fixedWords, ...(known.genes ?? []), ...(known.providers ?? []), ...known.diseases]) {
    for (const w of phrase.split(/[\s,()/]+/)) if (/^[A-Za-z][A-Za-z0-9'-]{2,}$/.test(w)) words.set(w.toLowerCase(), w);
  }
  return words;
}

/** The query with each unknown Latin word of 4+ letters replaced by its nearest known word; undefined when nothing changes. */
export function suggestSpelling(q: string, known: KnownValues): string | undefined {
  const words = vocabulary(known);
  const list = [...words.keys()];
  let changed = false;
  const out = q
    .split(/\s+/)
    .filter(Boolean)
    .map((w) => {
      const lower = w.toLowerCase();
      if (!/^[a-z'-]{4,}$/i.test(w) || words.has(lower)) return w;
      const limit = lower.length <= 5 ? 2 : 3;
      let best: string | undefined;
      let bestDistance = limit + 1;
      for (const candidate of list) {
        if (Math.abs(candidate.length - lower.length) > limit) continue;
        const d = distance(lower, candidate);
        if (d < bestDistance) [best, bestDistance] = [candidate, d];
      }
      if (!best) return w;
      changed = true;
      return words.get(best)!;
    });
  return changed ? out.join(' ') : undefined;
}

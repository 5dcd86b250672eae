/**
 * Search synonyms, in both languages, as data: the cell kinds people type and
 * every disease of the vocabulary (src/lib/schemas/disease-vocabulary.ts).
 * Meilisearch expands a query word to its synonyms, so `PD`, `帕金森病` and
 * `Parkinson's` find the same lines.
 */
import { diseaseVocabulary } from '#schemas/disease-vocabulary.ts';

/** Words for each category; the first is the label used in documents. */
export const categoryTerms: Record<string, string[]> = {
  ipsc: [
    'iPSC',
    'hiPSC',
    'iPS',
    'iPSCs',
    'induced pluripotent stem cell',
    'induced pluripotent',
    '诱导多能干细胞',
    '人诱导多能干细胞',
  ],
  hesc: ['hESC', 'hES', 'ESC', 'hESCs', 'embryonic stem cell', 'embryonic', '胚胎干细胞', '人胚胎干细胞'],
  msc: [
    'MSC',
    'MSCs',
    'mesenchymal stromal cell',
    'mesenchymal stem cell',
    'mesenchymal stromal',
    'mesenchymal stem',
    'mesenchymal',
    '间充质干细胞',
    '间充质基质细胞',
  ],
  derived: ['derived cells', 'iPSC-derived', 'differentiated cells', '衍生细胞', '分化细胞'],
  other: ['other', '其他'],
};

/** Groups of words that mean the same; every word maps to all the others. */
export function synonymGroups(): string[][] {
  return [
    ...Object.values(categoryTerms).filter((g) => g.length > 2),
    ...diseaseVocabulary.map((d) => [d.en, d.zh, ...d.synonyms]),
  ];
}

/** Meilisearch's synonyms setting: lower-cased, each word of a group -> the rest. */
export function buildSynonyms(): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const group of synonymGroups()) {
    const words = [...new Set(group.map((w) => w.toLowerCase()))];
    for (const w of words) {
      out[w] = [...new Set([...(out[w] ?? []), ...words.filter((o) => o !== w)])];
    }
  }
  return out;
}

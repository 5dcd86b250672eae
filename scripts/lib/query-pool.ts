/**
 * The searches of the load test and the benchmark: at least 10,000 distinct
 * query strings of the public API, in popularity order (rank 0 the most
 * common): disease words first (English, Chinese, abbreviations), then
 * facet filters, words with filters, typos, second pages, and a long tail of
 * line names, name prefixes and batch numbers of the synthetic catalog.
 * Deterministic: the same pool on every run.
 */
import { lineCategories, sexes } from '#db/schema/catalog.ts';
import { grades } from '#db/schema/batches.ts';
import { stockAvailabilities } from '#lib/availability.ts';
import { diseaseVocabulary } from '#schemas/disease-vocabulary.ts';
import { syntheticLine } from '#seed/synthetic.ts';

const enc = encodeURIComponent;

/** Drops one letter: what a hurried reader types. */
const typo = (word: string, k: number) =>
  word.length > 5 ? word.slice(0, 1 + (k % (word.length - 2))) + word.slice(2 + (k % (word.length - 2))) : word;

export function searchPool(lines: number, size = 12_000): string[] {
  const out = new Set<string>();
  const add = (q: string) => out.size < size && out.add(q);
  const words = diseaseVocabulary.flatMap((d) => [d.en, d.zh, ...d.synonyms]);
  for (const w of words) add(`q=${enc(w)}`);
  for (const c of lineCategories) add(`category=${c}`);
  for (const c of lineCategories) for (const s of sexes) add(`category=${c}&sex=${s}`);
  for (const g of grades) for (const a of stockAvailabilities) add(`grade=${g}&availability=${a}`);
  for (const w of words) for (const c of lineCategories) add(`q=${enc(w)}&category=${c}`);
  words.forEach((w, k) => {
    add(`q=${enc(typo(w, k))}`);
  });
  for (const w of words) add(`q=${enc(w)}&page=2`);
  for (const w of words) for (const a of stockAvailabilities) add(`q=${enc(w)}&availability=${a}`);
  for (const w of words) for (const s of sexes) add(`q=${enc(w)}&sex=${s}`);
  // The tail: identifiers, each looked up by someone who has it in hand.
  for (let i = 0; out.size < size && i < lines; i++) {
    const line = syntheticLine((i * 7_919) % lines);
    add(`q=${enc(line.cells.name!)}`);
    if (i % 4 === 0) add(`q=${enc(line.cells.name!.slice(0, 7))}`);
    if (line.batches[0]) add(`q=${enc(line.batches[0].batch_number!)}`);
  }
  return [...out];
}

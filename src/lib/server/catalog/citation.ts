/**
 * "Cite this line": the citation a methods section needs (standard name and
 * RRID, as journals ask since the Resource Identification Initiative), and
 * the same as RIS and BibTeX for reference managers. No HTTP here.
 */
import type { LinePage } from './catalog.ts';
import { linePath } from './catalog-json.ts';

export interface Citation {
  name: string;
  /** `RRID:CVCL_9773`, from the RRID or Cellosaurus identifier; null when the line has none. */
  rrid: string | null;
  url: string;
  /** One line, ready to paste. */
  text: string;
  ris: string;
  bibtex: string;
}

const kindWords: Record<string, string> = {
  ipsc: 'human induced pluripotent stem cell line',
  hesc: 'human embryonic stem cell line',
  msc: 'human mesenchymal stromal cell line',
  derived: 'human stem cell-derived cell line',
  other: 'human cell line',
};

export function rridOf(identifiers: { source: string; value: string }[]): string | null {
  const rrid = identifiers.find((i) => i.source.toLowerCase() === 'rrid');
  if (rrid) return rrid.value.toUpperCase().startsWith('RRID:') ? rrid.value : `RRID:${rrid.value}`;
  const cvcl = identifiers.find((i) => /^CVCL_[A-Z0-9]{4}$/i.test(i.value));
  return cvcl ? `RRID:${cvcl.value.toUpperCase()}` : null;
}

/** BibTeX braces and backslashes escaped; keys keep letters and digits only. */
const bib = (s: string) => s.replace(/[\\{}]/g, (c) => `\\${c}`);

export function citeLine(
  page: LinePage,
  origin: string,
  accessed: Date,
  publisher = 'Stem Cell Resource Portal',
): Citation {
  const url = origin + linePath(page.name);
  const rrid = rridOf(page.identifiers);
  const day = accessed.toISOString().slice(0, 10);
  const kind = kindWords[page.category] ?? kindWords.other!;
  const provider = page.provider?.name;
  const text = `${page.name}${rrid ? ` (${rrid})` : ''}, ${kind}${provider ? `, ${provider}` : ''}. ${publisher}, ${url} (accessed ${day}).`;
  const ris = [
    'TY  - DATA',
    `TI  - ${page.name}: ${kind}`,
    ...(provider ? [`AU  - ${provider}`] : []),
    `PB  - ${publisher}`,
    `UR  - ${url}`,
    ...(rrid ? [`ID  - ${rrid}`, `N1  - ${rrid}`] : []),
    ...page.synonyms.map((s) => `KW  - ${s}`),
    `Y2  - ${day}`,
    'ER  - ',
    '',
  ].join('\r\n');
  const key = `${page.name.replace(/[^A-Za-z0-9]/g, '')}${accessed.getUTCFullYear()}`;
  const bibtex = [
    `@misc{${key},`,
    `  title = {{${bib(page.name)}}: ${bib(kind)}},`,
    ...(provider ? [`  author = {{${bib(provider)}}},`] : []),
    `  howpublished = {${bib(publisher)}},`,
    `  url = {${url}},`,
    ...(rrid ? [`  note = {${rrid}},`] : []),
    `  urldate = {${day}},`,
    '}',
    '',
  ].join('\n');
  return { name: page.name, rrid, url, text, ris, bibtex };
}

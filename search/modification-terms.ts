/**
 * Words a researcher types for a modification that the record writes another
 * way: protein changes (`p.Ala53Thr` is typed `A53T`) and tag families (a
 * line tagged with mEGFP is a "GFP line"; mTagRFP-T is an "RFP"). The lines
 * index carries these words so a query finds the carriers, not only records
 * whose text happens to contain the typed spelling.
 */

const aminoAcids: Record<string, string> = {
  Ala: 'A',
  Arg: 'R',
  Asn: 'N',
  Asp: 'D',
  Cys: 'C',
  Gln: 'Q',
  Glu: 'E',
  Gly: 'G',
  His: 'H',
  Ile: 'I',
  Leu: 'L',
  Lys: 'K',
  Met: 'M',
  Phe: 'F',
  Pro: 'P',
  Ser: 'S',
  Thr: 'T',
  Trp: 'W',
  Tyr: 'Y',
  Val: 'V',
  Ter: '*',
  Sec: 'U',
};
const threeLetter = Object.keys(aminoAcids).join('|');
const oneLetter = Object.values(aminoAcids)
  .filter((c) => c !== '*')
  .join('');

/**
 * Protein changes in a variant or note, in the spellings people use:
 * `NM_000345.4:c.157G>A (p.Ala53Thr)` -> Ala53Thr, A53T, p.A53T, p.Ala53Thr;
 * a note's `SOD1 A4V` -> A4V, Ala4Val.
 */
export function proteinVariantTerms(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(new RegExp(`(?:p\\.)?\\(?(${threeLetter})(\\d+)(${threeLetter}|=|\\*)\\)?`, 'g'))) {
    const [, from, pos, to] = m;
    const toOne = to === '=' ? '=' : to === '*' ? '*' : aminoAcids[to!];
    out.add(`${from}${pos}${to}`).add(`p.${from}${pos}${to}`);
    if (toOne !== '=' && toOne !== '*')
      out.add(`${aminoAcids[from!]}${pos}${toOne}`).add(`p.${aminoAcids[from!]}${pos}${toOne}`);
  }
  for (const m of text.matchAll(
    new RegExp(`(?<![A-Za-z0-9.])([${oneLetter}])(\\d{1,5})([${oneLetter}])(?![A-Za-z0-9])`, 'g'),
  )) {
    const [, from, pos, to] = m;
    const three = (c: string) => Object.entries(aminoAcids).find(([, v]) => v === c)?.[0];
    out.add(`${from}${pos}${to}`).add(`p.${from}${pos}${to}`);
    const f = three(from!);
    const t = three(to!);
    if (f && t) out.add(`${f}${pos}${t}`);
  }
  return [...out];
}

/** Fluorescent protein families: members as written in records -> the family words people type. */
const families: { members: string[]; terms: string[] }[] = [
  {
    members: [
      'GFP',
      'EGFP',
      'mEGFP',
      'sfGFP',
      'AcGFP',
      'AcGFP1',
      'mGFP',
      'Emerald',
      'mEmerald',
      'Clover',
      'mClover',
      'mNeonGreen',
      'mWasabi',
      'ZsGreen',
      'TurboGFP',
      'copGFP',
    ],
    terms: ['GFP', 'green fluorescent protein', 'EGFP', '绿色荧光蛋白'],
  },
  {
    members: [
      'RFP',
      'TagRFP',
      'TagRFP-T',
      'mTagRFP',
      'mTagRFP-T',
      'mCherry',
      'tdTomato',
      'mTomato',
      'DsRed',
      'DsRed2',
      'mScarlet',
      'mScarlet-I',
      'mKate2',
      'mRuby',
      'mRuby2',
      'mRuby3',
      'mApple',
      'mStrawberry',
      'TurboRFP',
    ],
    terms: ['RFP', 'red fluorescent protein', '红色荧光蛋白'],
  },
  {
    members: ['YFP', 'EYFP', 'Venus', 'mVenus', 'Citrine', 'mCitrine', 'YPet', 'mVenus'],
    terms: ['YFP', 'yellow fluorescent protein', '黄色荧光蛋白'],
  },
  {
    members: ['CFP', 'ECFP', 'Cerulean', 'mCerulean', 'mTurquoise', 'mTurquoise2', 'CyPet'],
    terms: ['CFP', 'cyan fluorescent protein', '青色荧光蛋白'],
  },
  {
    members: ['BFP', 'EBFP', 'EBFP2', 'mTagBFP', 'mTagBFP2', 'TagBFP'],
    terms: ['BFP', 'blue fluorescent protein', '蓝色荧光蛋白'],
  },
  {
    members: ['iRFP', 'iRFP670', 'iRFP713', 'miRFP', 'miRFP670', 'mIFP'],
    terms: ['iRFP', 'near-infrared fluorescent protein', '近红外荧光蛋白'],
  },
];

const everyFluorescent = ['fluorescent protein', 'fluorescent reporter', '荧光蛋白', '荧光报告基因'];

/** Family words for the fluorescent proteins named in a modification's text. */
export function tagFamilyTerms(text: string): string[] {
  const out = new Set<string>();
  for (const family of families) {
    const hit = family.members.some((m) =>
      new RegExp(`(?<![A-Za-z0-9])${m.replace(/[-]/g, '\\-')}(?![A-Za-z0-9])`, 'i').test(text),
    );
    if (hit) for (const t of [...family.terms, ...everyFluorescent]) out.add(t);
  }
  return [...out];
}

/**
 * The QC tests a batch carries, by kind of line and grade (DOMAIN.md:
 * EBiSC's core screen, clinical release tests, the ISCT MSC panel). Used to
 * generate demonstration and synthetic batches.
 */
import type { Random } from './random.ts';

export interface QcRow {
  test: string;
  method: string;
  specification: string;
  result: string;
  outcome: 'pass' | 'fail' | 'pending';
}

export function qcPanel(
  kind: 'pluripotent' | 'msc',
  grade: 'research' | 'clinical',
  rnd: Random,
  options: { iPSC: boolean; failMycoplasma?: boolean },
): QcRow[] {
  const viability = rnd.int(78, 96);
  const rows: QcRow[] = [
    {
      test: 'Post-thaw viability',
      method: 'Trypan blue exclusion',
      specification: '≥ 70%',
      result: `${viability}%`,
      outcome: 'pass',
    },
    {
      test: 'Sterility (bacteria and fungi)',
      method: grade === 'clinical' ? 'Pharmacopoeia direct inoculation, 14 days' : 'Culture in TSB and FTM, 14 days',
      specification: 'No growth',
      result: 'No growth',
      outcome: 'pass',
    },
    options.failMycoplasma
      ? { test: 'Mycoplasma', method: 'qPCR', specification: 'Not detected', result: 'Detected', outcome: 'fail' }
      : {
          test: 'Mycoplasma',
          method: grade === 'clinical' ? 'Culture method and qPCR' : 'qPCR',
          specification: 'Not detected',
          result: 'Not detected',
          outcome: 'pass',
        },
    {
      test: 'Identity',
      method: 'STR profiling (16 loci)',
      specification: 'Matches reference profile',
      result: 'Match (16/16 loci)',
      outcome: 'pass',
    },
  ];
  if (kind === 'pluripotent') {
    rows.push(
      {
        test: 'Karyotype',
        method: 'G-banding, 20 metaphases',
        specification: 'Normal diploid karyotype',
        result: 'Normal',
        outcome: 'pass',
      },
      {
        test: 'Pluripotency markers',
        method: 'Flow cytometry (OCT4, SOX2, SSEA-4)',
        specification: '≥ 85% positive',
        result: `${rnd.int(88, 99)}% positive`,
        outcome: 'pass',
      },
      {
        test: 'Trilineage differentiation',
        method: 'Directed differentiation and immunostaining',
        specification: 'Ectoderm, mesoderm and endoderm markers',
        result: 'All three germ layers',
        outcome: 'pass',
      },
    );
    if (options.iPSC)
      rows.push({
        test: 'Residual reprogramming vector',
        method: 'RT-qPCR',
        specification: 'Not detected',
        result: 'Not detected',
        outcome: 'pass',
      });
  } else {
    rows.push(
      {
        test: 'Positive markers CD73 / CD90 / CD105',
        method: 'Flow cytometry',
        specification: '≥ 95% each',
        result: `${rnd.int(96, 99)}% / ${rnd.int(97, 99)}% / ${rnd.int(95, 99)}%`,
        outcome: 'pass',
      },
      {
        test: 'Negative markers CD34 / CD45 / HLA-DR',
        method: 'Flow cytometry',
        specification: '≤ 2% each',
        result: `${(rnd.next() * 1.5).toFixed(1)}% / ${(rnd.next() * 1.2).toFixed(1)}% / ${(rnd.next() * 1.8).toFixed(1)}%`,
        outcome: 'pass',
      },
      {
        test: 'Differentiation potential',
        method: 'Osteogenic, chondrogenic and adipogenic induction',
        specification: 'All three lineages',
        result: 'Osteo +, chondro +, adipo +',
        outcome: 'pass',
      },
    );
  }
  if (grade === 'clinical') {
    rows.push(
      {
        test: 'Endotoxin',
        method: 'Kinetic chromogenic LAL',
        specification: '< 0.5 EU/mL',
        result: `${(rnd.next() * 0.2).toFixed(2)} EU/mL`,
        outcome: 'pass',
      },
      { test: 'HIV-1/2', method: 'Nucleic acid test', specification: 'Negative', result: 'Negative', outcome: 'pass' },
      { test: 'HBV', method: 'Nucleic acid test', specification: 'Negative', result: 'Negative', outcome: 'pass' },
      { test: 'HCV', method: 'Nucleic acid test', specification: 'Negative', result: 'Negative', outcome: 'pass' },
    );
  }
  return rows;
}

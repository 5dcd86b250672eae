/**
 * Chinese labels of controlled values: QC and characterisation tests, their
 * methods, specifications and standard results, zygosity, feeder, vector type,
 * modification types. Free text (a provider's own words) has no entry and
 * stays as written. Keys are compared case-insensitively; patterns cover the
 * values with numbers in them (`82%`, `Match (16/16 loci)`).
 */
import type { Locale } from '../i18n/index.ts';

const zh: Record<string, string> = {
  // QC and characterisation tests
  'post-thaw viability': '复苏后存活率',
  'sterility (bacteria and fungi)': '无菌检查（细菌和真菌）',
  mycoplasma: '支原体',
  identity: '身份鉴定',
  karyotype: '核型',
  'pluripotency markers': '多能性标志物',
  'trilineage differentiation': '三胚层分化',
  'residual reprogramming vector': '重编程载体残留',
  'positive markers cd73 / cd90 / cd105': '阳性标志物 CD73 / CD90 / CD105',
  'negative markers cd34 / cd45 / hla-dr': '阴性标志物 CD34 / CD45 / HLA-DR',
  'differentiation potential': '分化潜能',
  endotoxin: '内毒素',
  'hiv-1/2': 'HIV-1/2',
  hbv: '乙型肝炎病毒（HBV）',
  hcv: '丙型肝炎病毒（HCV）',
  'msc surface markers': 'MSC 表面标志物',
  // Methods
  'trypan blue exclusion': '台盼蓝拒染法',
  'culture in tsb and ftm, 14 days': 'TSB 和 FTM 培养，14 天',
  'pharmacopoeia direct inoculation, 14 days': '药典直接接种法，14 天',
  qpcr: 'qPCR',
  'culture method and qpcr': '培养法和 qPCR',
  'str profiling (16 loci)': 'STR 图谱分析（16 个位点）',
  'g-banding, 20 metaphases': 'G 显带，20 个中期分裂相',
  'g-banding': 'G 显带',
  'flow cytometry (oct4, sox2, ssea-4)': '流式细胞术（OCT4、SOX2、SSEA-4）',
  'flow cytometry': '流式细胞术',
  'directed differentiation and immunostaining': '定向分化和免疫染色',
  'rt-qpcr': 'RT-qPCR',
  'osteogenic, chondrogenic and adipogenic induction': '成骨、成软骨和成脂诱导',
  'osteo/chondro/adipogenic induction': '成骨/成软骨/成脂诱导',
  'kinetic chromogenic lal': '动态显色鲎试剂法',
  'nucleic acid test': '核酸检测',
  'embryoid body': '拟胚体',
  // Specifications and standard results
  'not detected': '未检出',
  detected: '检出',
  'no growth': '无菌生长',
  'matches reference profile': '与参考图谱一致',
  'normal diploid karyotype': '正常二倍体核型',
  normal: '正常',
  'ectoderm, mesoderm and endoderm markers': '外胚层、中胚层和内胚层标志物',
  'all three germ layers': '三个胚层均阳性',
  'all three lineages': '三个谱系均阳性',
  negative: '阴性',
  positive: '阳性',
  pending: '待定',
  'osteo +, chondro +, adipo +': '成骨 +，成软骨 +，成脂 +',
  // Zygosity, culture, vectors
  heterozygous: '杂合',
  homozygous: '纯合',
  hemizygous: '半合子',
  unknown: '未知',
  'feeder-free': '无饲养层',
  'feeder-dependent': '依赖饲养层',
  integrating: '整合型',
  'non-integrating': '非整合型',
  // Source tissues and cell types, reprogramming methods
  'skin tissue': '皮肤组织',
  skin: '皮肤',
  fibroblast: '成纤维细胞',
  'skin fibroblast': '皮肤成纤维细胞',
  'peripheral blood mononuclear cell': '外周血单个核细胞',
  'inner cell mass of blastocyst': '囊胚内细胞团',
  'mesenchymal stromal cell': '间充质基质细胞',
  'adipose tissue': '脂肪组织',
  'umbilical cord (wharton jelly)': '脐带（华通氏胶）',
  'umbilical cord': '脐带',
  'bone marrow aspirate': '骨髓抽吸物',
  'bone marrow': '骨髓',
  'sendai virus': '仙台病毒',
  'episomal vectors': '附着体载体',
  'episomal vector': '附着体载体',
  // Modification types
  'knock-in': '敲入',
  'knock-out': '敲除',
  variant: '变异',
  reporter: '报告基因',
  'isogenic-control': '同基因对照',
  correction: '基因校正',
  other: '其他',
};

const patterns: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^≥ (\d+)% positive$/i, (m) => `≥ ${m[1]}% 阳性`],
  [/^(\d+(?:\.\d+)?)% positive$/i, (m) => `${m[1]}% 阳性`],
  [/^≥ (\d+)% each$/i, (m) => `各 ≥ ${m[1]}%`],
  [/^≤ (\d+)% each$/i, (m) => `各 ≤ ${m[1]}%`],
  [/^match \((\d+)\/(\d+) loci\)$/i, (m) => `一致（${m[1]}/${m[2]} 个位点）`],
  [/^sendai virus \((.+)\)$/i, (m) => `仙台病毒（${m[1]}）`],
  [/^fibroblast \((.+)\)$/i, (m) => `成纤维细胞（${m[1]}）`],
];

/** A controlled value in the reader's language; anything else as written. */
export function controlledLabel(locale: Locale, value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (locale === 'en') return value;
  const exact = zh[value.trim().toLowerCase()];
  if (exact) return exact;
  for (const [re, label] of patterns) {
    const m = re.exec(value.trim());
    if (m) return label(m);
  }
  return value;
}

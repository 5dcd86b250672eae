/**
 * Diseases the bank's lines model, with their Chinese names, abbreviations
 * and synonyms. The importer fills `diseases.name_zh`, `ontology_id` and
 * `synonyms` from here when a source gives only the English name; search
 * synonyms (search/synonyms.ts) are generated from the same list, so a
 * researcher typing `PD`, `帕金森` or `Parkinson's` finds the same lines.
 */
export interface DiseaseTerm {
  en: string;
  zh: string;
  ontologyId?: string;
  /** Other names people type, English and Chinese, abbreviations included. */
  synonyms: string[];
}

export const diseaseVocabulary: DiseaseTerm[] = [
  {
    en: 'Parkinson disease',
    zh: '帕金森病',
    ontologyId: 'MONDO:0005180',
    synonyms: [
      'PD',
      "Parkinson's disease",
      'Parkinson’s disease',
      'Parkinsons',
      'parkinsonism',
      '帕金森',
      '帕金森氏症',
    ],
  },
  {
    en: 'Amyotrophic lateral sclerosis',
    zh: '肌萎缩侧索硬化',
    ontologyId: 'MONDO:0004976',
    synonyms: [
      'ALS',
      'motor neurone disease',
      'motor neuron disease',
      'MND',
      "Lou Gehrig's disease",
      '渐冻症',
      '肌萎缩侧索硬化症',
    ],
  },
  {
    en: 'Alzheimer disease',
    zh: '阿尔茨海默病',
    ontologyId: 'MONDO:0004975',
    synonyms: ['AD', "Alzheimer's disease", 'Alzheimers', '老年痴呆', '阿尔茨海默症'],
  },
  {
    en: 'Huntington disease',
    zh: '亨廷顿病',
    ontologyId: 'MONDO:0007739',
    synonyms: ['HD', "Huntington's disease", '亨廷顿舞蹈症'],
  },
  { en: 'Spinal muscular atrophy', zh: '脊髓性肌萎缩症', ontologyId: 'MONDO:0001516', synonyms: ['SMA'] },
  {
    en: 'Duchenne muscular dystrophy',
    zh: '杜氏肌营养不良',
    ontologyId: 'MONDO:0010679',
    synonyms: ['DMD', 'Duchenne', '进行性肌营养不良'],
  },
  {
    en: 'Bardet-Biedl syndrome',
    zh: '巴尔得-别德尔综合征',
    ontologyId: 'MONDO:0015229',
    synonyms: ['BBS', 'Bardet Biedl', '巴德-毕德综合征'],
  },
  {
    en: 'Cardiomyopathy',
    zh: '心肌病',
    ontologyId: 'MONDO:0004994',
    synonyms: ['hypertrophic cardiomyopathy', 'HCM', 'dilated cardiomyopathy', 'DCM'],
  },
  { en: 'Skeletal myopathy', zh: '骨骼肌病', ontologyId: 'MONDO:0005336', synonyms: ['myopathy', '肌病'] },
  {
    en: 'Laminopathy',
    zh: '核纤层蛋白病',
    ontologyId: 'MONDO:0021047',
    synonyms: ['progeria', 'Hutchinson-Gilford progeria', 'HGPS', '早老症'],
  },
  {
    en: 'Alpha-1-antitrypsin deficiency',
    zh: 'α1-抗胰蛋白酶缺乏症',
    ontologyId: 'MONDO:0013282',
    synonyms: ['A1ATD', 'AATD', 'alpha 1 antitrypsin deficiency'],
  },
  {
    en: 'Type 1 diabetes mellitus',
    zh: '1型糖尿病',
    ontologyId: 'MONDO:0005147',
    synonyms: ['T1D', 'type 1 diabetes', 'T1DM', '糖尿病'],
  },
  {
    en: 'Type 2 diabetes mellitus',
    zh: '2型糖尿病',
    ontologyId: 'MONDO:0005148',
    synonyms: ['T2D', 'type 2 diabetes', 'T2DM'],
  },
  { en: 'Retinitis pigmentosa', zh: '视网膜色素变性', ontologyId: 'MONDO:0019200', synonyms: ['RP'] },
  {
    en: 'Age-related macular degeneration',
    zh: '年龄相关性黄斑变性',
    ontologyId: 'MONDO:0005150',
    synonyms: ['AMD', 'macular degeneration', '黄斑变性'],
  },
  { en: 'Long QT syndrome', zh: '长QT综合征', ontologyId: 'MONDO:0002442', synonyms: ['LQTS'] },
  { en: 'Down syndrome', zh: '唐氏综合征', ontologyId: 'MONDO:0008608', synonyms: ['trisomy 21', '21三体综合征'] },
  { en: 'Fragile X syndrome', zh: '脆性X综合征', ontologyId: 'MONDO:0010383', synonyms: ['FXS'] },
  {
    en: 'Autism spectrum disorder',
    zh: '孤独症谱系障碍',
    ontologyId: 'MONDO:0005258',
    synonyms: ['ASD', 'autism', '自闭症'],
  },
  { en: 'Schizophrenia', zh: '精神分裂症', ontologyId: 'MONDO:0005090', synonyms: ['SCZ'] },
  { en: 'Cystic fibrosis', zh: '囊性纤维化', ontologyId: 'MONDO:0009061', synonyms: ['CF'] },
  {
    en: 'Sickle cell disease',
    zh: '镰状细胞病',
    ontologyId: 'MONDO:0011382',
    synonyms: ['SCD', 'sickle cell anemia', '镰状细胞贫血'],
  },
  {
    en: 'Beta thalassemia',
    zh: 'β地中海贫血',
    ontologyId: 'MONDO:0019402',
    synonyms: ['thalassemia', 'thalassaemia', '地中海贫血', '地贫'],
  },
  { en: 'Hemophilia A', zh: '甲型血友病', ontologyId: 'MONDO:0010602', synonyms: ['haemophilia A', '血友病'] },
  { en: 'Spinocerebellar ataxia', zh: '脊髓小脑性共济失调', ontologyId: 'MONDO:0020380', synonyms: ['SCA'] },
  { en: 'Frontotemporal dementia', zh: '额颞叶痴呆', ontologyId: 'MONDO:0017276', synonyms: ['FTD'] },
  { en: 'Rett syndrome', zh: '雷特综合征', ontologyId: 'MONDO:0010726', synonyms: ['RTT'] },
  { en: 'Epilepsy', zh: '癫痫', ontologyId: 'MONDO:0005027', synonyms: ['Dravet syndrome'] },
  { en: 'Spinal cord injury', zh: '脊髓损伤', synonyms: ['SCI'] },
  { en: 'Heart failure', zh: '心力衰竭', ontologyId: 'MONDO:0005252', synonyms: ['心衰'] },
  { en: 'Graft-versus-host disease', zh: '移植物抗宿主病', ontologyId: 'MONDO:0013730', synonyms: ['GvHD', 'GVHD'] },
];

const byName = new Map<string, DiseaseTerm>();
for (const term of diseaseVocabulary) {
  for (const name of [term.en, term.zh, ...term.synonyms]) byName.set(name.toLowerCase(), term);
}

/** The vocabulary entry a source's disease name means, if known. */
export function findDiseaseTerm(name: string): DiseaseTerm | undefined {
  return byName.get(name.trim().toLowerCase());
}

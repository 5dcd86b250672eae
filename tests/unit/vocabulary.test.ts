import { describe, expect, test } from 'vitest';
import { normaliseAgeBand, normaliseCategory, normaliseSex, trialRegistry } from '#schemas/catalog-vocabulary.ts';
import { findDiseaseTerm } from '#schemas/disease-vocabulary.ts';

describe('the words sources use', () => {
  test.each([
    ['iPSC', 'ipsc'],
    ['hiPSCs', 'ipsc'],
    ['Induced pluripotent stem cells', 'ipsc'],
    ['Gene-edited iPSC', 'ipsc'],
    ['hES', 'hesc'],
    ['ESC', 'hesc'],
    ['Embryonic stem cells', 'hesc'],
    ['UC-MSC', 'msc'],
    ['mesenchymal stromal cell', 'msc'],
    ['iPSC-derived', 'derived'],
  ])('category %s means %s', (word, category) => {
    expect(normaliseCategory(word)).toBe(category);
  });

  test('unknown categories stay unknown', () => {
    expect(normaliseCategory('neuron')).toBeUndefined();
    expect(normaliseCategory('')).toBeUndefined();
  });

  test('ages become five-year bands, never exact ages', () => {
    expect(normaliseAgeBand('65-69 years')).toBe('65-69');
    expect(normaliseAgeBand('30Y')).toBe('30-34');
    expect(normaliseAgeBand('47')).toBe('45-49');
    expect(normaliseAgeBand('old')).toBeUndefined();
    expect(normaliseSex('Female')).toBe('female');
    expect(normaliseSex('X')).toBeUndefined();
  });

  test('disease names, abbreviations and Chinese names meet in one term', () => {
    expect(findDiseaseTerm('PD')?.en).toBe('Parkinson disease');
    expect(findDiseaseTerm('帕金森病')?.en).toBe('Parkinson disease');
    expect(findDiseaseTerm('motor neurone disease')?.zh).toBe('肌萎缩侧索硬化');
  });

  test('trial ids link to their registries', () => {
    expect(trialRegistry('NCT03841110')?.url).toBe('https://clinicaltrials.gov/study/NCT03841110');
    expect(trialRegistry('jRCT2090220384')?.name).toBe('jRCT');
    expect(trialRegistry('ChiCTR2000032362')?.name).toBe('ChiCTR');
    expect(trialRegistry('XYZ-1')).toBeUndefined();
  });
});

/** The pure rules behind the researcher's catalog: availability, query reading, modification words, device names. */
import { describe, expect, test } from 'vitest';
import { deriveAvailability, requestKind } from '#lib/availability.ts';
import { stripRegistryPrefixes, understandQuery } from '#server/search/understand.ts';
import { suggestSpelling } from '#server/search/suggest.ts';
import { proteinVariantTerms, tagFamilyTerms } from '#search/modification-terms.ts';
import { deviceOf } from '#lib/device-name.ts';

const released = (v: number) => ({ releaseStatus: 'released', vialsAvailable: v });
const quarantine = (v: number) => ({ releaseStatus: 'quarantine', vialsAvailable: v });

describe('availability from the stock', () => {
  test.each([
    ['released vials', 'not_available', [released(5)], 'available', 5],
    ['vials only in quarantine', 'available', [quarantine(58)], 'in_qc', 0],
    [
      'a rejected or recalled batch never counts',
      'available',
      [
        { releaseStatus: 'rejected', vialsAvailable: 9 },
        { releaseStatus: 'recalled', vialsAvailable: 3 },
      ],
      'on_request',
      0,
    ],
    ['a released batch ran out', 'available', [released(0)], 'expand_to_order', 0],
    ['declared expand to order, no stock', 'expand_to_order', [], 'expand_to_order', 0],
    ['listed, no batch', 'available', [], 'on_request', 0],
    ['restricted, no stock', 'restricted', [], 'restricted', 0],
    ['not available, no stock', 'not_available', [], 'not_distributed', 0],
    ['withdrawn with vials left', 'withdrawn', [released(4)], 'not_distributed', 0],
    ['recalled line', 'recalled', [released(4)], 'not_distributed', 0],
  ] as const)('%s', (_what, declared, batches, status, vials) => {
    expect(deriveAvailability(declared, batches)).toEqual({ status, vials });
  });

  test('the request button: request when available, order or enquire otherwise, none when not distributed', () => {
    expect(requestKind('available')).toBe('request');
    expect(requestKind('expand_to_order')).toBe('order');
    expect(requestKind('on_request')).toBe('enquire');
    expect(requestKind('not_distributed')).toBeNull();
  });
});

describe('reading a query', () => {
  const known = { diseases: ['Parkinson disease', 'Cardiomyopathy'], countries: ['GB', 'US', 'CN'] };
  test('registry prefixes come off the identifier', () => {
    expect(stripRegistryPrefixes('RRID:CVCL_9773')).toBe('CVCL_9773');
    expect(stripRegistryPrefixes('H9 (RRID: CVCL_9773)')).toBe('H9 (CVCL_9773)');
    expect(stripRegistryPrefixes('hPSCreg:WAe009-A')).toBe('WAe009-A');
    expect(stripRegistryPrefixes('CVCL:9773')).toBe('CVCL_9773');
  });
  test('facet words become filters; female is not male; identifiers are left alone', () => {
    const read = understandQuery('female iPSC lines from the UK', known);
    expect(read.q).toBe('');
    expect(read.filters.map((f) => [f.facet, f.value]).sort()).toEqual([
      ['category', 'ipsc'],
      ['country', 'GB'],
      ['sex', 'female'],
    ]);
    expect(understandQuery('HPSI0114i-kolf_2', known)).toEqual({ q: 'HPSI0114i-kolf_2', filters: [] });
    expect(
      understandQuery('帕金森病患者的诱导多能干细胞系', known)
        .filters.map((f) => f.value)
        .sort(),
    ).toEqual(['Parkinson disease', 'ipsc']);
  });
  test('a disease the index does not hold does not filter', () => {
    expect(understandQuery('Huntington disease', known).filters).toEqual([]);
  });
  test('the nearest spelling among the catalog words', () => {
    expect(suggestSpelling('kardiomiopathy', known)).toBe('Cardiomyopathy');
    expect(suggestSpelling('cardiomyopathy', known)).toBeUndefined();
  });
});

describe('modification words', () => {
  test('protein changes in the spellings people type', () => {
    expect(proteinVariantTerms('NM_000345.4:c.157G>A (p.Ala53Thr)')).toEqual(
      expect.arrayContaining(['A53T', 'p.A53T', 'Ala53Thr', 'p.Ala53Thr']),
    );
    expect(proteinVariantTerms('SOD1 A4V')).toEqual(expect.arrayContaining(['A4V', 'Ala4Val']));
    expect(proteinVariantTerms('LMNA c.1824C>T(p.Gly608=)')).toEqual(expect.arrayContaining(['Gly608=']));
  });
  test('fluorescent tags bring their family words', () => {
    expect(tagFamilyTerms('mEGFP at C-terminus')).toEqual(
      expect.arrayContaining(['GFP', 'green fluorescent protein', '绿色荧光蛋白']),
    );
    expect(tagFamilyTerms('mTagRFP-T at N-terminus')).toEqual(expect.arrayContaining(['RFP']));
    expect(tagFamilyTerms('mTagRFP-T at N-terminus')).not.toContain('GFP');
    expect(tagFamilyTerms('A53T corrected to wild type')).toEqual([]);
  });
});

test('device names in words', () => {
  expect(deviceOf('Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0')).toEqual({
    browser: 'Firefox',
    os: 'Windows',
  });
  expect(deviceOf('')).toEqual({ browser: null, os: null });
});

test('two-capital abbreviations filter only when typed as such', () => {
  const known = { diseases: [], countries: ['US', 'GB'] };
  expect(understandQuery('lines made for us', known).filters).toEqual([]);
  expect(
    understandQuery('hESC from the US', known)
      .filters.map((f) => f.value)
      .sort(),
  ).toEqual(['US', 'hesc']);
});

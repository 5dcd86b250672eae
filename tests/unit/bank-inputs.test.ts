/** Test items typed one a line on the bank's testing forms: a bad line is named, nothing is half-read. */
import { describe, expect, test } from 'vitest';
import { parseTestItems, receiptInput } from '#schemas/bank-inputs.ts';
import { positionName } from '#server/bank/picking.ts';

describe('parseTestItems', () => {
  test('reads item | method | specification | result | pass or fail, in English or Chinese, skipping blank lines', () => {
    const r = parseTestItems(
      'Sterility | USP <71> | No growth | No growth | pass\n\n支原体 | qPCR | 阴性 | 阳性 | 不合格\n',
    );
    expect(r).toEqual({
      ok: true,
      items: [
        { item: 'Sterility', method: 'USP <71>', specification: 'No growth', result: 'No growth', withinSpec: true },
        { item: '支原体', method: 'qPCR', specification: '阴性', result: '阳性', withinSpec: false },
      ],
    });
  });

  test('names the first bad line and why', () => {
    expect(
      parseTestItems('Sterility | USP | No growth | No growth | pass\nMycoplasma | qPCR | Negative | pass'),
    ).toEqual({ ok: false, line: 2, message: '5 cells separated by "|", found 4' });
    expect(parseTestItems('Sterility | USP | No growth | No growth | maybe')).toEqual({
      ok: false,
      line: 1,
      message: '"maybe" is neither pass nor fail',
    });
    expect(parseTestItems('Sterility |  | No growth | No growth | pass')).toMatchObject({ ok: false, line: 1 });
  });
});

describe('the receipt form', () => {
  test('reads a datetime-local field as UTC; an empty or absent optional number (temperature, passage, cells) is null', () => {
    const base = {
      line: 'L',
      batchNumber: 'B',
      batchType: 'distribution',
      grade: 'research',
      cellType: 'iPSC',
      handoverAt: '2026-11-20T09:00',
      handoverPlace: 'x',
      dispatchedAt: '2026-11-20T07:00',
      arrivedAt: '2026-11-20T08:00',
      requiredMinC: '-196',
      requiredMaxC: '-150',
      vials: '3',
      courier: 'c',
      password: 'p',
      reviewerEmail: 'r@example.org',
      reviewerPassword: 'q',
    };
    const r = receiptInput.safeParse({
      line: 'L',
      batchNumber: 'B',
      batchType: 'distribution',
      grade: 'research',
      cellType: 'iPSC',
      handoverAt: '2026-11-20T09:00',
      handoverPlace: 'x',
      dispatchedAt: '2026-11-20T07:00',
      arrivedAt: '2026-11-20T08:00',
      requiredMinC: '-196',
      requiredMaxC: '-150',
      transportTempC: '',
      vials: '3',
      courier: 'c',
      password: 'p',
      reviewerEmail: 'r@example.org',
      reviewerPassword: 'q',
    });
    expect(r.success).toBe(true);
    expect(r.data!.handoverAt.toISOString()).toBe('2026-11-20T09:00:00.000Z');
    expect(r.data!.transportTempC).toBeNull();
    expect([r.data!.passage, r.data!.cells]).toEqual([null, null]);
    const typed = receiptInput.safeParse({ ...base, passage: '22', cells: '', transportTempC: '-190.5' });
    expect(typed.success && [typed.data.passage, typed.data.cells, typed.data.transportTempC]).toEqual([
      22,
      null,
      -190.5,
    ]);
    expect(receiptInput.safeParse({ ...base, passage: 'twenty' }).success).toBe(false);
  });
});

test('a position reads as on the box: row letter and column', () => {
  expect(positionName(2, 7)).toBe('B7');
  expect(positionName(null, null)).toBe('');
});

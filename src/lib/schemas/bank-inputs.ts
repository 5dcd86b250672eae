/**
 * One Zod schema per input of the bank's records (src/actions/bank.ts).
 * Error messages are message keys; every text is trimmed and bounded. Test
 * items are typed one a line, `item | method | specification | result |
 * pass or fail`; a bad line is named (parseTestItems).
 */
import { z } from 'zod';
import { batchTypes, grades } from '#db/schema/batches.ts';
import { conclusions, unitKinds } from '#db/schema/bank.ts';
import { LOGGER_FILE_MAX_BYTES } from '#lib/limits.ts';

const required = 'auth.error.required';
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, 'auth.error.tooLong')
    .nullish()
    .transform((v) => v ?? '');
const requiredText = (max: number) => z.string(required).trim().min(1, required).max(max, 'auth.error.tooLong');
const id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const password = z.string(required).min(1, required).max(256, 'auth.error.passwordTooLong');
const isoDate = z.string(required).regex(/^\d{4}-\d{2}-\d{2}$/, required);
const optionalDate = z
  .string()
  .trim()
  .nullish()
  .transform((v) => v || null)
  .refine((v) => v === null || /^\d{4}-\d{2}-\d{2}$/.test(v), required);
const temperature = z.coerce.number(required).min(-273.15, required).max(200, required);
// An empty or absent number field is null (Astro hands an empty field over as '' or null).
const optionalNumber = (n: z.ZodCoercedNumber) =>
  z
    .union([z.literal(''), z.null(), n])
    .optional()
    .transform((v) => (typeof v === 'number' ? v : null));
const optionalTemperature = optionalNumber(z.coerce.number().min(-273.15, required).max(200, required));
const count = (max: number) => z.coerce.number(required).int(required).min(0, required).max(max, 'auth.error.tooLong');
const dateTime = z
  .string(required)
  .trim()
  .refine(
    (v) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i.test(v) &&
      !Number.isNaN(new Date(v).getTime()),
    required,
  )
  // A datetime-local field has no zone: the forms say UTC.
  .transform((v) => new Date(/(Z|[+-]\d{2}:?\d{2})$/i.test(v) ? v : `${v}Z`));

const cosign = { password, reviewerEmail: requiredText(254), reviewerPassword: password };

export interface ParsedItem {
  item: string;
  method: string;
  specification: string;
  result: string;
  withinSpec: boolean;
}

/** `item | method | specification | result | pass|fail` lines; the first bad line is named. */
export function parseTestItems(
  textValue: string,
): { ok: true; items: ParsedItem[] } | { ok: false; line: number; message: string } {
  const items: ParsedItem[] = [];
  const lines = textValue.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw) continue;
    const cells = raw.split('|').map((c) => c.trim());
    if (cells.length !== 5)
      return { ok: false, line: i + 1, message: `5 cells separated by "|", found ${cells.length}` };
    const [item, method, specification, result, verdict] = cells as [string, string, string, string, string];
    if (!item || !method || !specification || !result)
      return { ok: false, line: i + 1, message: 'item, method, specification and result are all needed' };
    const v = verdict.toLowerCase();
    if (!['pass', 'fail', '合格', '不合格'].includes(v))
      return { ok: false, line: i + 1, message: `"${verdict}" is neither pass nor fail` };
    if ([item, method, specification, result].some((c) => c.length > 500))
      return { ok: false, line: i + 1, message: 'a cell is longer than 500 characters' };
    items.push({ item, method, specification, result, withinSpec: v === 'pass' || v === '合格' });
  }
  if (items.length > 100) return { ok: false, line: 101, message: 'at most 100 items' };
  return { ok: true, items };
}

const items = z
  .string(required)
  .max(50_000, 'auth.error.tooLong')
  .transform((v, ctx) => {
    const parsed = parseTestItems(v);
    if (!parsed.ok) {
      ctx.addIssue({
        code: 'custom',
        message: `bank.error.items?line=${parsed.line}&message=${encodeURIComponent(parsed.message)}`,
      });
      return z.NEVER;
    }
    if (!parsed.items.length) {
      ctx.addIssue({ code: 'custom', message: 'bank.error.noItems' });
      return z.NEVER;
    }
    return parsed.items;
  });

export const receiptInput = z.object({
  line: requiredText(200),
  batchNumber: requiredText(100),
  batchType: z.enum(batchTypes, required),
  grade: z.enum(grades, required),
  passage: optionalNumber(z.coerce.number().int(required).min(0, required).max(1000, required)),
  productionDate: optionalDate,
  cellType: requiredText(200),
  handoverAt: dateTime,
  handoverPlace: requiredText(300),
  dispatchedAt: dateTime,
  arrivedAt: dateTime,
  transportTempC: optionalTemperature,
  requiredMinC: temperature,
  requiredMaxC: temperature,
  loggerFile: z
    .instanceof(File)
    .nullish()
    .refine((f) => !f || f.size <= LOGGER_FILE_MAX_BYTES, 'auth.error.tooLong'),
  vials: z.coerce.number(required).int(required).min(1, required).max(10_000, 'auth.error.tooLong'),
  cells: optionalNumber(z.coerce.number().int(required).min(0, required).max(Number.MAX_SAFE_INTEGER, required)),
  courier: requiredText(200),
  ...cosign,
});

export const unitInput = z.object({
  code: requiredText(40),
  kind: z.enum(unitKinds, required),
  name: requiredText(200),
});
export const boxInput = z.object({
  unitId: id,
  rack: requiredText(40),
  code: requiredText(40),
  rows: z.coerce.number().int().min(1, required).max(26, required),
  cols: z.coerce.number().int().min(1, required).max(26, required),
});

const operation = { envTempC: temperature, startedAt: dateTime, endedAt: dateTime, ...cosign };
export const storeInput = z.object({ batchId: id, boxId: id, ...operation });
export const moveInput = z.object({
  label: requiredText(200),
  boxId: id,
  row: z.coerce.number().int().min(1, required).max(26, required),
  col: z.coerce.number().int().min(1, required).max(26, required),
  ...operation,
});
export const locationCheckInput = z.object({
  boxId: id,
  outcome: z.enum(['match', 'mismatch'], required),
  notes: text(2000),
  checkedAt: dateTime,
  ...cosign,
});

export const intakeInput = z.object({
  batchId: id,
  cellType: requiredText(200),
  productionDate: optionalDate,
  handoverAt: dateTime,
  handoverPerson: requiredText(200),
  cellCount: count(Number.MAX_SAFE_INTEGER),
  testedCount: count(Number.MAX_SAFE_INTEGER),
  basis: requiredText(500),
  testedOn: isoDate,
  conclusion: z.enum(conclusions, required),
  items,
  ...cosign,
});

export const releaseInput = z.object({
  batchId: id,
  cellType: requiredText(200),
  productionDate: optionalDate,
  releaseQuantity: count(100_000),
  basis: requiredText(500),
  testedAt: dateTime,
  conclusion: z.enum(conclusions, required),
  items,
  ...cosign,
});

export const assessInput = z.object({ deviationId: id, assessment: requiredText(4000), password });
export const destroyInput = z.object({
  labels: z
    .string(required)
    .max(100_000, 'auth.error.tooLong')
    .transform((v) =>
      v
        .split(/[\r\n,]+/)
        .map((l) => l.trim())
        .filter(Boolean),
    ),
  reason: requiredText(2000),
  destroyedAt: dateTime,
  ...cosign,
});
export const pickInput = z.object({
  requestId: id,
  chosen: z
    .string()
    .max(20_000, 'auth.error.tooLong')
    .nullish()
    .transform((v) =>
      (v ?? '')
        .split(/[\r\n,]+/)
        .map((l) => l.trim())
        .filter(Boolean),
    ),
});
export const scanInput = z.object({ requestId: id, scanned: requiredText(200) });
export const registerRangeInput = z.object({ from: isoDate, to: isoDate, lang: z.enum(['en', 'zh']).default('en') });

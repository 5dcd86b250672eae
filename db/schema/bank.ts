/**
 * The batch's own record in the bank (seed 002 三(三) 制剂质检信息 and 三(四)
 * 制剂存储信息): receipt into the bank (入库), storage positions and moves
 * (存储), periodic location checks (五: 定期核实存储位置), intake and release
 * testing (入库检测 / 放行检测), deviations, destruction (销毁), and the vials
 * themselves with their labels and pick lists for the outbound.
 *
 * Every record is signed by an operator and a reviewer, two different people
 * (CHECK `*_two_people`), each with an electronic signature (signatures
 * table, db/schema/requests.ts). Records are append-only for the app role
 * (db/roles.ts `appendOnlyTables`, triggers in migration 0050); vials and
 * deviations change (position, state, assessment) through audited services
 * and are never deleted. A batch whose QC is recorded here (`batches.qc_source
 * = 'bank'`) can be `released` only with a passing, signed release test
 * (trigger `batches_release_needs_signed_release`); batches imported with QC
 * from before the portal keep `qc_source = 'imported'`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  numeric,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';
import { batches } from './batches.ts';
import { requests, signatures } from './requests.ts';

export const unitKinds = ['tank', 'freezer'] as const;
export type UnitKind = (typeof unitKinds)[number];
export const vialStates = ['in_bank', 'shipped', 'destroyed'] as const;
export type VialState = (typeof vialStates)[number];
export const conclusions = ['pass', 'fail'] as const;
export type Conclusion = (typeof conclusions)[number];
export const bankDeviationSources = [
  'receipt_logger',
  'receipt_temperature',
  'intake_test',
  'release_test',
  'storage_temperature',
] as const;
export type BankDeviationSource = (typeof bankDeviationSources)[number];

/** Operator and reviewer of a record: two different accounts, each with a signature. */
const signedBy = () => ({
  operatorId: text()
    .notNull()
    .references(() => accounts.id),
  operatorName: text().notNull(),
  operatorSignatureId: bigint({ mode: 'number' })
    .notNull()
    .references(() => signatures.id),
  reviewerId: text()
    .notNull()
    .references(() => accounts.id),
  reviewerName: text().notNull(),
  reviewerSignatureId: bigint({ mode: 'number' })
    .notNull()
    .references(() => signatures.id),
  recordedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** A liquid nitrogen tank or a freezer (存储库区). */
export const storageUnits = pgTable('storage_units', {
  id: serial().primaryKey(),
  code: text().notNull().unique(),
  kind: text({ enum: unitKinds }).notNull(),
  name: text().notNull(),
  createdBy: text().notNull(),
  createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const storageRacks = pgTable(
  'storage_racks',
  {
    id: serial().primaryKey(),
    unitId: integer()
      .notNull()
      .references(() => storageUnits.id),
    code: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('storage_racks_code').on(t.unitId, t.code)],
);

/** A box of rows x columns positions (9x9, 10x10). */
export const storageBoxes = pgTable(
  'storage_boxes',
  {
    id: serial().primaryKey(),
    rackId: integer()
      .notNull()
      .references(() => storageRacks.id),
    code: text().notNull(),
    rows: integer().notNull(),
    cols: integer().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('storage_boxes_code').on(t.rackId, t.code),
    check('storage_boxes_size', sql`${t.rows} BETWEEN 1 AND 26 AND ${t.cols} BETWEEN 1 AND 26`),
  ],
);

/** 入库信息: a batch's vials handed over to the bank. Opens its stock (`received` movement). */
export const bankReceipts = pgTable(
  'bank_receipts',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    batchNumber: text().notNull(),
    cellType: text().notNull(),
    handoverAt: timestamp({ withTimezone: true }).notNull(),
    handoverPlace: text().notNull(),
    dispatchedAt: timestamp({ withTimezone: true }).notNull(),
    arrivedAt: timestamp({ withTimezone: true }).notNull(),
    /** Typed transport temperature, when no logger file was read. */
    transportTempC: numeric({ precision: 6, scale: 2 }),
    requiredMinC: numeric({ precision: 6, scale: 2 }).notNull(),
    requiredMaxC: numeric({ precision: 6, scale: 2 }).notNull(),
    loggerFileName: text(),
    loggerFileSha256: text(),
    loggerFile: text(),
    loggerSerial: text(),
    vials: integer().notNull(),
    cells: bigint({ mode: 'number' }),
    /** 转运人. */
    courier: text().notNull(),
    ...signedBy(),
  },
  (t) => [
    index('bank_receipts_batch_idx').on(t.batchId),
    check('bank_receipts_two_people', sql`${t.operatorId} <> ${t.reviewerId}`),
    check('bank_receipts_vials', sql`${t.vials} > 0`),
    check('bank_receipts_range', sql`${t.requiredMinC} < ${t.requiredMaxC}`),
    check('bank_receipts_temperature', sql`${t.transportTempC} IS NOT NULL OR ${t.loggerFile} IS NOT NULL`),
  ],
);

/** Temperatures during transport to the bank, read from the logger file. */
export const bankReceiptReadings = pgTable(
  'bank_receipt_readings',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    receiptId: bigint({ mode: 'number' })
      .notNull()
      .references(() => bankReceipts.id),
    at: timestamp({ withTimezone: true }).notNull(),
    tempC: numeric({ precision: 6, scale: 2 }).notNull(),
  },
  (t) => [index('bank_receipt_readings_receipt_idx').on(t.receiptId, t.at)],
);

/**
 * One vial, with its label (the identifier its barcode carries) and where it
 * sits. A vial in the bank holds one position; a vial that left holds none;
 * two vials never share one (unique index, CHECKs in migration 0050).
 */
export const vials = pgTable(
  'vials',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    label: text().notNull().unique(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    receiptId: bigint({ mode: 'number' })
      .notNull()
      .references(() => bankReceipts.id),
    state: text({ enum: vialStates }).notNull().default('in_bank'),
    boxId: integer().references(() => storageBoxes.id),
    row: integer(),
    col: integer(),
    /** The request whose pick list holds this vial (until it ships). */
    requestId: bigint({ mode: 'number' }).references(() => requests.id),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('vials_batch_idx').on(t.batchId),
    index('vials_request_idx').on(t.requestId),
    uniqueIndex('vials_one_per_position').on(t.boxId, t.row, t.col),
    check(
      'vials_position_whole',
      sql`(${t.boxId} IS NULL) = (${t.row} IS NULL) AND (${t.boxId} IS NULL) = (${t.col} IS NULL)`,
    ),
    check('vials_left_hold_no_position', sql`${t.state} = 'in_bank' OR ${t.boxId} IS NULL`),
  ],
);

/** 存储信息: one storage operation (placing or moving vials), with its environment temperature and times. */
export const storageOperations = pgTable(
  'storage_operations',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    kind: text({ enum: ['store', 'move'] }).notNull(),
    unitId: integer()
      .notNull()
      .references(() => storageUnits.id),
    envTempC: numeric({ precision: 6, scale: 2 }).notNull(),
    startedAt: timestamp({ withTimezone: true }).notNull(),
    endedAt: timestamp({ withTimezone: true }).notNull(),
    ...signedBy(),
  },
  (t) => [
    index('storage_operations_batch_idx').on(t.batchId),
    check('storage_operations_two_people', sql`${t.operatorId} <> ${t.reviewerId}`),
    check('storage_operations_times', sql`${t.startedAt} <= ${t.endedAt}`),
  ],
);

/** Each vial's move within a storage operation: from (none when first stored) and to. */
export const vialMoves = pgTable(
  'vial_moves',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    operationId: bigint({ mode: 'number' })
      .notNull()
      .references(() => storageOperations.id),
    vialId: bigint({ mode: 'number' })
      .notNull()
      .references(() => vials.id),
    fromBoxId: integer().references(() => storageBoxes.id),
    fromRow: integer(),
    fromCol: integer(),
    toBoxId: integer()
      .notNull()
      .references(() => storageBoxes.id),
    toRow: integer().notNull(),
    toCol: integer().notNull(),
  },
  (t) => [index('vial_moves_vial_idx').on(t.vialId), index('vial_moves_operation_idx').on(t.operationId)],
);

/** 定期核实存储位置: a box checked against the record, with its outcome. */
export const locationChecks = pgTable(
  'location_checks',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    boxId: integer()
      .notNull()
      .references(() => storageBoxes.id),
    checkedAt: timestamp({ withTimezone: true }).notNull(),
    outcome: text({ enum: ['match', 'mismatch'] }).notNull(),
    expectedVials: integer().notNull(),
    notes: text().notNull().default(''),
    ...signedBy(),
  },
  (t) => [
    index('location_checks_box_idx').on(t.boxId),
    check('location_checks_two_people', sql`${t.operatorId} <> ${t.reviewerId}`),
  ],
);

/** 入库检测. */
export const intakeTests = pgTable(
  'intake_tests',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    batchNumber: text().notNull(),
    cellType: text().notNull(),
    productionDate: date({ mode: 'string' }),
    handoverAt: timestamp({ withTimezone: true }).notNull(),
    /** 交接人. */
    handoverPerson: text().notNull(),
    cellCount: bigint({ mode: 'number' }).notNull(),
    testedCount: bigint({ mode: 'number' }).notNull(),
    /** 检测依据: the standard or SOP tested against. */
    basis: text().notNull(),
    testedOn: date({ mode: 'string' }).notNull(),
    conclusion: text({ enum: conclusions }).notNull(),
    ...signedBy(),
  },
  (t) => [
    index('intake_tests_batch_idx').on(t.batchId),
    check('intake_tests_two_people', sql`${t.operatorId} <> ${t.reviewerId}`),
  ],
);

/** 放行检测. A passing one is the batch's signed release; its CoA is versioned per batch. */
export const releaseTests = pgTable(
  'release_tests',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    batchNumber: text().notNull(),
    cellType: text().notNull(),
    productionDate: date({ mode: 'string' }),
    releaseQuantity: integer().notNull(),
    basis: text().notNull(),
    testedAt: timestamp({ withTimezone: true }).notNull(),
    conclusion: text({ enum: conclusions }).notNull(),
    /** 1, 2 … per batch: the CoA generated from this release. */
    coaVersion: integer().notNull(),
    ...signedBy(),
  },
  (t) => [
    index('release_tests_batch_idx').on(t.batchId),
    uniqueIndex('release_tests_coa_version').on(t.batchId, t.coaVersion),
    check('release_tests_two_people', sql`${t.operatorId} <> ${t.reviewerId}`),
    check('release_tests_quantity', sql`${t.releaseQuantity} >= 0`),
  ],
);

/** 检测项目 / 方法 / 结果 of an intake or a release test (exactly one of the two). */
export const bankTestItems = pgTable(
  'bank_test_items',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    intakeTestId: bigint({ mode: 'number' }).references(() => intakeTests.id),
    releaseTestId: bigint({ mode: 'number' }).references(() => releaseTests.id),
    position: integer().notNull(),
    item: text().notNull(),
    method: text().notNull(),
    specification: text().notNull(),
    result: text().notNull(),
    withinSpec: boolean().notNull(),
  },
  (t) => [
    index('bank_test_items_intake_idx').on(t.intakeTestId),
    index('bank_test_items_release_idx').on(t.releaseTestId),
    check('bank_test_items_one_test', sql`(${t.intakeTestId} IS NULL) <> (${t.releaseTestId} IS NULL)`),
  ],
);

/** Out of range or out of specification: flagged, open until a signed assessment. Never deleted. */
export const bankDeviations = pgTable(
  'bank_deviations',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    source: text({ enum: bankDeviationSources }).notNull(),
    receiptId: bigint({ mode: 'number' }).references(() => bankReceipts.id),
    intakeTestId: bigint({ mode: 'number' }).references(() => intakeTests.id),
    releaseTestId: bigint({ mode: 'number' }).references(() => releaseTests.id),
    storageOperationId: bigint({ mode: 'number' }).references(() => storageOperations.id),
    description: text().notNull(),
    startedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    durationSeconds: integer(),
    extremeC: numeric({ precision: 6, scale: 2 }),
    detectedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    assessment: text(),
    assessedBy: text().references(() => accounts.id),
    assessmentSignatureId: bigint({ mode: 'number' }).references(() => signatures.id),
    closedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('bank_deviations_batch_idx').on(t.batchId)],
);

/** 销毁: vials discarded or destroyed, with reason; they leave the stock through the ledger. */
export const destructions = pgTable(
  'destructions',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    quantity: integer().notNull(),
    reason: text().notNull(),
    destroyedAt: timestamp({ withTimezone: true }).notNull(),
    /** The `adjusted` movement that took the vials out of stock. */
    movementId: bigint({ mode: 'number' }).notNull(),
    ...signedBy(),
  },
  (t) => [
    index('destructions_batch_idx').on(t.batchId),
    check('destructions_two_people', sql`${t.operatorId} <> ${t.reviewerId}`),
    check('destructions_quantity', sql`${t.quantity} > 0`),
    check('destructions_reason', sql`length(trim(${t.reason})) > 0`),
  ],
);

export const destructionVials = pgTable(
  'destruction_vials',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    destructionId: bigint({ mode: 'number' })
      .notNull()
      .references(() => destructions.id),
    vialId: bigint({ mode: 'number' })
      .notNull()
      .references(() => vials.id),
  },
  (t) => [uniqueIndex('destruction_vials_once').on(t.vialId)],
);

/** The vials picked for a request (pick list), and each scan of a label against it. Append-only. */
export const vialPicks = pgTable(
  'vial_picks',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    requestId: bigint({ mode: 'number' })
      .notNull()
      .references(() => requests.id),
    vialId: bigint({ mode: 'number' })
      .notNull()
      .references(() => vials.id),
    pickedBy: text().notNull(),
    pickedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('vial_picks_once').on(t.requestId, t.vialId)],
);

export const pickScans = pgTable(
  'pick_scans',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    requestId: bigint({ mode: 'number' })
      .notNull()
      .references(() => requests.id),
    /** What the scanner or camera read. */
    scanned: text().notNull(),
    vialId: bigint({ mode: 'number' }).references(() => vials.id),
    accepted: boolean().notNull(),
    scannedBy: text()
      .notNull()
      .references(() => accounts.id),
    scannedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('pick_scans_request_idx').on(t.requestId),
    check('pick_scans_accepted_vial', sql`NOT ${t.accepted} OR ${t.vialId} IS NOT NULL`),
  ],
);

export type StorageUnit = typeof storageUnits.$inferSelect;
export type StorageBox = typeof storageBoxes.$inferSelect;
export type BankReceipt = typeof bankReceipts.$inferSelect;
export type Vial = typeof vials.$inferSelect;
export type IntakeTest = typeof intakeTests.$inferSelect;
export type ReleaseTest = typeof releaseTests.$inferSelect;
export type BankTestItem = typeof bankTestItems.$inferSelect;
export type BankDeviation = typeof bankDeviations.$inferSelect;
export type Destruction = typeof destructions.$inferSelect;

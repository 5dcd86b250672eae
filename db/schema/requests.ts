/**
 * Requests for vials and the outbound chain that answers them: the tables
 * behind "My requests", the staff review queue, the outbound (出库) and
 * transport (运输) records of the clinical stem cell information
 * specification, signatures, deviations and recall notices.
 *
 * Records that must last 30 years are append-only (trigger
 * `ledger_reject_change`, migration 0006): request events, signatures,
 * outbound records, temperature readings and recall notices. The rows that
 * do change (a request's state and fields, a shipment's arrival, a deviation's
 * assessment) change only through services that write an audit event with
 * before and after in the same transaction.
 */
import { relations, sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { accounts } from './accounts.ts';
import { batches } from './batches.ts';
import { lines } from './catalog.ts';

export const requestStates = [
  'draft',
  'submitted',
  'under_review',
  'information_requested',
  'approved',
  'rejected',
  'reserved',
  'released',
  'shipped',
  'received',
  'closed',
  'withdrawn',
  'cancelled',
] as const;
export type RequestState = (typeof requestStates)[number];

export const useCategories = ['research', 'clinical', 'commercial'] as const;
export type UseCategory = (typeof useCategories)[number];

/** What a signature is about; `storage_box` and `bank_deviation` are the bank's (db/schema/bank.ts). */
export const signatureEntityTypes = ['request', 'batch', 'deviation', 'storage_box', 'bank_deviation'] as const;
export type SignatureEntityType = (typeof signatureEntityTypes)[number];

export const signatureMeanings = [
  'reviewed',
  'approved',
  'executed',
  'released',
  'deviation_closed',
  'batch_status',
] as const;
export type SignatureMeaning = (typeof signatureMeanings)[number];

/** Material transfer agreements: each version is a new row with the SHA-256 of its text. */
export const agreements = pgTable(
  'agreements',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    /** Stable name of the agreement across versions, e.g. `standard-mta`; lines name it in `lines.agreement`. */
    code: text().notNull(),
    title: text().notNull(),
    version: text().notNull(),
    effectiveDate: date({ mode: 'string' }).notNull(),
    body: text().notNull(),
    /** SHA-256 (hex) of `body`, computed by the service; what a requester accepts. */
    sha256: text().notNull(),
    createdBy: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('agreements_code_version').on(t.code, t.version)],
);

/** Price per vial by use category, for a line or a batch (a batch's price wins). No payment processing. */
export const prices = pgTable(
  'prices',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    lineId: integer().references(() => lines.id),
    batchId: integer().references(() => batches.id),
    useCategory: text({ enum: useCategories }).notNull(),
    amount: numeric({ precision: 12, scale: 2 }).notNull(),
    currency: text().notNull().default('CNY'),
  },
  (t) => [check('prices_target', sql`(${t.lineId} IS NULL) <> (${t.batchId} IS NULL)`)],
);

export const requests = pgTable(
  'requests',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    requesterId: text()
      .notNull()
      .references(() => accounts.id),
    state: text({ enum: requestStates }).notNull().default('draft'),
    stateChangedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    projectTitle: text().notNull().default(''),
    /** 出库事由: the purpose of use. */
    purpose: text().notNull().default(''),
    principalInvestigator: text().notNull().default(''),
    institution: text().notNull().default(''),
    ethicsReference: text().notNull().default(''),
    useCategory: text({ enum: useCategories }).notNull().default('research'),
    shippingAddress: text().notNull().default(''),
    /** 申请人联系方式. */
    contactPhone: text().notNull().default(''),
    contactEmail: text().notNull().default(''),
    officialName: text().notNull().default(''),
    officialEmail: text().notNull().default(''),
    officialConfirmedAt: timestamp({ withTimezone: true }),
    /** What the official confirmed: a digest of lines, quantities, purpose and official (official.ts); a change lapses the confirmation. */
    officialConfirmedDigest: text(),
    officialDeclinedAt: timestamp({ withTimezone: true }),
    officialDeclineReason: text(),
    /** Screening checklist as staff ticked it: { agreement, ethics, terms, grade } -> true. */
    checklist: jsonb().$type<Record<string, boolean>>().notNull().default({}),
    reservationExpiresAt: timestamp({ withTimezone: true }),
    /** An unassessed deviation blocks closing. */
    openDeviations: integer().notNull().default(0),
    /** The staff account that approved (signed). */
    approvedBy: text().references(() => accounts.id),
    /** The outbound record as the operator prepared it (signed "executed"), waiting for a second person's review. */
    outboundPreparedBy: text().references(() => accounts.id),
    outboundPreparedAt: timestamp({ withTimezone: true }),
    outboundPlannedDate: date({ mode: 'string' }),
    outboundActualDate: date({ mode: 'string' }),
    /** What the requester said of the arrival on receipt; staff confirm it into the transport record. */
    receiptArrivedAt: timestamp({ withTimezone: true }),
    receiptReceiver: text(),
    receiptTempC: numeric({ precision: 6, scale: 2 }),
    rejectionReason: text(),
    arrivalCondition: text(),
    locale: text().notNull().default('en'),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp({ withTimezone: true }),
    lastReminderAt: timestamp({ withTimezone: true }),
    escalatedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    index('requests_requester_idx').on(t.requesterId, t.id),
    index('requests_state_idx').on(t.state, t.stateChangedAt),
  ],
);

export const requestItems = pgTable(
  'request_items',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    requestId: bigint({ mode: 'number' })
      .notNull()
      .references(() => requests.id),
    lineId: integer()
      .notNull()
      .references(() => lines.id),
    /** The batch asked for, or chosen by staff at reservation. */
    batchId: integer().references(() => batches.id),
    quantity: integer().notNull(),
    /** Set at approval: whole (= quantity), in part (less), or 0 (this item refused). */
    approvedQuantity: integer(),
    pricePerVial: numeric({ precision: 12, scale: 2 }),
    currency: text(),
    /** The certificate of analysis attached at release: the batch's entry version and QC digest then. */
    coaVersion: text(),
    /** false once removed from a draft (kept, never deleted). */
    active: boolean().notNull().default(true),
  },
  (t) => [
    index('request_items_request_idx').on(t.requestId),
    check('request_items_quantity', sql`${t.quantity} > 0 AND ${t.quantity} <= 1000`),
    check(
      'request_items_approved',
      sql`${t.approvedQuantity} IS NULL OR (${t.approvedQuantity} >= 0 AND ${t.approvedQuantity} <= ${t.quantity})`,
    ),
  ],
);

/** Which version of which agreement a requester accepted for a request, when, and its SHA-256. */
export const agreementAcceptances = pgTable('agreement_acceptances', {
  id: bigserial({ mode: 'number' }).primaryKey(),
  requestId: bigint({ mode: 'number' })
    .notNull()
    .references(() => requests.id),
  agreementId: bigint({ mode: 'number' })
    .notNull()
    .references(() => agreements.id),
  version: text().notNull(),
  sha256: text().notNull(),
  acceptedBy: text()
    .notNull()
    .references(() => accounts.id),
  acceptedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

/** The timeline: every state change, message, correction, lapse and notice. Append-only. */
export const requestEvents = pgTable(
  'request_events',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    requestId: bigint({ mode: 'number' })
      .notNull()
      .references(() => requests.id),
    occurredAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Account id, or `system`, or `official:<email>`. */
    actor: text().notNull(),
    actorName: text().notNull(),
    kind: text({
      enum: ['state', 'message', 'correction', 'deviation', 'signature', 'reservation', 'notice'],
    }).notNull(),
    fromState: text({ enum: requestStates }),
    toState: text({ enum: requestStates }),
    body: text(),
    /** false: staff-only note. */
    visibleToRequester: boolean().notNull().default(true),
    data: jsonb(),
  },
  (t) => [index('request_events_request_idx').on(t.requestId, t.id)],
);

/** Electronic signatures (21 CFR 11.50): printed name, time (UTC), meaning. Append-only. */
export const signatures = pgTable(
  'signatures',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    entityType: text({ enum: signatureEntityTypes }).notNull(),
    entityId: text().notNull(),
    signerId: text()
      .notNull()
      .references(() => accounts.id),
    signerName: text().notNull(),
    meaning: text({ enum: signatureMeanings }).notNull(),
    signedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    comment: text(),
  },
  (t) => [index('signatures_entity_idx').on(t.entityType, t.entityId)],
);

/** 出库 record, one per batch that left for a request. Operator and reviewer differ (CHECK). Append-only. */
export const outboundRecords = pgTable(
  'outbound_records',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    requestId: bigint({ mode: 'number' })
      .notNull()
      .references(() => requests.id),
    requestItemId: bigint({ mode: 'number' })
      .notNull()
      .references(() => requestItems.id),
    applicantName: text().notNull(),
    applicantInstitution: text().notNull(),
    applicantContact: text().notNull(),
    purpose: text().notNull(),
    cellType: text().notNull(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    batchNumber: text().notNull(),
    quantity: integer().notNull(),
    plannedDate: date({ mode: 'string' }).notNull(),
    actualDate: date({ mode: 'string' }).notNull(),
    operatorId: text()
      .notNull()
      .references(() => accounts.id),
    operatorName: text().notNull(),
    reviewerId: text()
      .notNull()
      .references(() => accounts.id),
    reviewerName: text().notNull(),
    recordedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('outbound_records_request_idx').on(t.requestId),
    check('outbound_records_two_people', sql`${t.operatorId} <> ${t.reviewerId}`),
    check('outbound_records_quantity', sql`${t.quantity} > 0`),
  ],
);

/** 运输 record of a request's shipment. Arrival fields are filled on arrival (audited). */
export const shipments = pgTable(
  'shipments',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    requestId: bigint({ mode: 'number' })
      .notNull()
      .references(() => requests.id),
    dispatchAt: timestamp({ withTimezone: true }).notNull(),
    dispatchPlace: text().notNull(),
    dispatchTempC: numeric({ precision: 6, scale: 2 }).notNull(),
    requiredMinC: numeric({ precision: 6, scale: 2 }).notNull(),
    requiredMaxC: numeric({ precision: 6, scale: 2 }).notNull(),
    batchNumbers: text().notNull(),
    quantity: integer().notNull(),
    deviceNumber: text().notNull(),
    vehicle: text().notNull(),
    carrier: text().notNull(),
    courier: text().notNull(),
    /** The carrier's tracking or waybill number. */
    trackingNumber: text().notNull().default(''),
    arrivalAt: timestamp({ withTimezone: true }),
    arrivalPlace: text(),
    arrivalTempC: numeric({ precision: 6, scale: 2 }),
    receiver: text(),
    loggerFileName: text(),
    loggerFileSha256: text(),
    loggerFile: text(),
    loggerSerial: text(),
    loggerFormat: text(),
    recordedBy: text()
      .notNull()
      .references(() => accounts.id),
    recordedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('shipments_request_idx').on(t.requestId),
    check('shipments_range', sql`${t.requiredMinC} < ${t.requiredMaxC}`),
  ],
);

/** Temperatures in transit, read from the data logger's file (never retyped). Append-only. */
export const temperatureReadings = pgTable(
  'temperature_readings',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    shipmentId: bigint({ mode: 'number' })
      .notNull()
      .references(() => shipments.id),
    at: timestamp({ withTimezone: true }).notNull(),
    tempC: numeric({ precision: 6, scale: 2 }).notNull(),
  },
  (t) => [index('temperature_readings_shipment_idx').on(t.shipmentId, t.at)],
);

/** A temperature outside the required range: open until a staff member signs an assessment. */
export const deviations = pgTable(
  'deviations',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    requestId: bigint({ mode: 'number' })
      .notNull()
      .references(() => requests.id),
    shipmentId: bigint({ mode: 'number' }).references(() => shipments.id),
    source: text({ enum: ['logger', 'dispatch', 'arrival'] }).notNull(),
    description: text().notNull(),
    startedAt: timestamp({ withTimezone: true }),
    endedAt: timestamp({ withTimezone: true }),
    durationSeconds: integer(),
    extremeC: numeric({ precision: 6, scale: 2 }),
    detectedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    assessment: text(),
    closedBy: text().references(() => accounts.id),
    closedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index('deviations_request_idx').on(t.requestId)],
);

/** Recall look-back: one row per request that received vials of a recalled batch. Append-only; acknowledgement is a second row kind. */
export const recallNotices = pgTable(
  'recall_notices',
  {
    id: bigserial({ mode: 'number' }).primaryKey(),
    batchId: integer()
      .notNull()
      .references(() => batches.id),
    requestId: bigint({ mode: 'number' })
      .notNull()
      .references(() => requests.id),
    requesterId: text()
      .notNull()
      .references(() => accounts.id),
    reason: text().notNull(),
    /** What the request had of the batch when it was recalled: vials received, or vials reserved (which will not leave). */
    kind: text({ enum: ['received', 'reserved'] })
      .notNull()
      .default('received'),
    notifiedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex('recall_notices_once').on(t.batchId, t.requestId)],
);

/** One-time links for the institutional official's sign-off (hash of the secret only). */
export const officialConfirmationTokens = pgTable('official_confirmation_tokens', {
  id: text().primaryKey(),
  secretHash: text().notNull(),
  requestId: bigint({ mode: 'number' })
    .notNull()
    .references(() => requests.id),
  expiresAt: timestamp({ withTimezone: true }).notNull(),
  usedAt: timestamp({ withTimezone: true }),
});

export const requestsRelations = relations(requests, ({ one, many }) => ({
  requester: one(accounts, { fields: [requests.requesterId], references: [accounts.id] }),
  items: many(requestItems),
  events: many(requestEvents),
}));
export const requestItemsRelations = relations(requestItems, ({ one }) => ({
  request: one(requests, { fields: [requestItems.requestId], references: [requests.id] }),
  line: one(lines, { fields: [requestItems.lineId], references: [lines.id] }),
  batch: one(batches, { fields: [requestItems.batchId], references: [batches.id] }),
}));
export const requestEventsRelations = relations(requestEvents, ({ one }) => ({
  request: one(requests, { fields: [requestEvents.requestId], references: [requests.id] }),
}));

export type Request = typeof requests.$inferSelect;
export type RequestItem = typeof requestItems.$inferSelect;
export type RequestEvent = typeof requestEvents.$inferSelect;
export type Agreement = typeof agreements.$inferSelect;
export type Shipment = typeof shipments.$inferSelect;
export type Deviation = typeof deviations.$inferSelect;
export type OutboundRecord = typeof outboundRecords.$inferSelect;
export type Signature = typeof signatures.$inferSelect;

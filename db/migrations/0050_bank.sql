-- The batch's own record in the bank (db/schema/bank.ts): receipt, storage,
-- location checks, intake and release testing, deviations, destruction,
-- vials with their positions, pick lists and label scans.
ALTER TABLE "batches" ADD COLUMN "qc_source" text DEFAULT 'imported' NOT NULL;
--> statement-breakpoint
ALTER TABLE "batches" ADD CONSTRAINT "batches_qc_source_known" CHECK (qc_source IN ('imported', 'bank'));
--> statement-breakpoint
CREATE TABLE "storage_units" (
	"id" serial PRIMARY KEY NOT NULL,
	"code" text NOT NULL UNIQUE,
	"kind" text NOT NULL CHECK (kind IN ('tank', 'freezer')),
	"name" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "storage_racks" (
	"id" serial PRIMARY KEY NOT NULL,
	"unit_id" integer NOT NULL REFERENCES "storage_units"("id"),
	"code" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "storage_racks_code" ON "storage_racks" ("unit_id", "code");
--> statement-breakpoint
CREATE TABLE "storage_boxes" (
	"id" serial PRIMARY KEY NOT NULL,
	"rack_id" integer NOT NULL REFERENCES "storage_racks"("id"),
	"code" text NOT NULL,
	"rows" integer NOT NULL,
	"cols" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "storage_boxes_size" CHECK ("rows" BETWEEN 1 AND 26 AND "cols" BETWEEN 1 AND 26)
);
--> statement-breakpoint
CREATE UNIQUE INDEX "storage_boxes_code" ON "storage_boxes" ("rack_id", "code");
--> statement-breakpoint
CREATE TABLE "bank_receipts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" integer NOT NULL REFERENCES "batches"("id"),
	"batch_number" text NOT NULL,
	"cell_type" text NOT NULL,
	"handover_at" timestamp with time zone NOT NULL,
	"handover_place" text NOT NULL,
	"dispatched_at" timestamp with time zone NOT NULL,
	"arrived_at" timestamp with time zone NOT NULL,
	"transport_temp_c" numeric(6, 2),
	"required_min_c" numeric(6, 2) NOT NULL,
	"required_max_c" numeric(6, 2) NOT NULL,
	"logger_file_name" text,
	"logger_file_sha256" text,
	"logger_file" text,
	"logger_serial" text,
	"vials" integer NOT NULL,
	"cells" bigint,
	"courier" text NOT NULL,
	"operator_id" text NOT NULL REFERENCES "accounts"("id"),
	"operator_name" text NOT NULL,
	"operator_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"reviewer_id" text NOT NULL REFERENCES "accounts"("id"),
	"reviewer_name" text NOT NULL,
	"reviewer_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "bank_receipts_two_people" CHECK (operator_id <> reviewer_id),
	CONSTRAINT "bank_receipts_vials" CHECK (vials > 0),
	CONSTRAINT "bank_receipts_range" CHECK (required_min_c < required_max_c),
	CONSTRAINT "bank_receipts_temperature" CHECK (transport_temp_c IS NOT NULL OR logger_file IS NOT NULL)
);
--> statement-breakpoint
CREATE INDEX "bank_receipts_batch_idx" ON "bank_receipts" ("batch_id");
--> statement-breakpoint
CREATE TABLE "bank_receipt_readings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"receipt_id" bigint NOT NULL REFERENCES "bank_receipts"("id"),
	"at" timestamp with time zone NOT NULL,
	"temp_c" numeric(6, 2) NOT NULL
);
--> statement-breakpoint
CREATE INDEX "bank_receipt_readings_receipt_idx" ON "bank_receipt_readings" ("receipt_id", "at");
--> statement-breakpoint
CREATE TABLE "vials" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"label" text NOT NULL UNIQUE,
	"batch_id" integer NOT NULL REFERENCES "batches"("id"),
	"receipt_id" bigint NOT NULL REFERENCES "bank_receipts"("id"),
	"state" text DEFAULT 'in_bank' NOT NULL CHECK (state IN ('in_bank', 'shipped', 'destroyed')),
	"box_id" integer REFERENCES "storage_boxes"("id"),
	"row" integer,
	"col" integer,
	"request_id" bigint REFERENCES "requests"("id"),
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vials_position_whole" CHECK ((box_id IS NULL) = ("row" IS NULL) AND (box_id IS NULL) = (col IS NULL)),
	CONSTRAINT "vials_left_hold_no_position" CHECK (state = 'in_bank' OR box_id IS NULL),
	CONSTRAINT "vials_position_positive" CHECK ("row" IS NULL OR ("row" >= 1 AND col >= 1))
);
--> statement-breakpoint
CREATE INDEX "vials_batch_idx" ON "vials" ("batch_id");
--> statement-breakpoint
CREATE INDEX "vials_request_idx" ON "vials" ("request_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "vials_one_per_position" ON "vials" ("box_id", "row", "col");
--> statement-breakpoint
-- A position lies inside its box.
CREATE FUNCTION vials_position_in_box() RETURNS trigger
-- A fixed search_path, like every trigger function (0031): no temporary table can stand in for ours.
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE b storage_boxes;
BEGIN
  IF NEW.box_id IS NOT NULL THEN
    SELECT * INTO b FROM storage_boxes WHERE id = NEW.box_id;
    IF NEW."row" > b."rows" OR NEW.col > b.cols THEN
      RAISE EXCEPTION 'vials: position %/% is outside box % (% x %)', NEW."row", NEW.col, b.code, b."rows", b.cols USING ERRCODE = 'check_violation';
    END IF;
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.state <> 'in_bank' AND NEW.state = 'in_bank' THEN
    RAISE EXCEPTION 'vials: a vial that left (%) does not come back into a position', OLD.state USING ERRCODE = 'check_violation';
  END IF;
  IF TG_OP = 'UPDATE' AND (NEW.label, NEW.batch_id, NEW.receipt_id) IS DISTINCT FROM (OLD.label, OLD.batch_id, OLD.receipt_id) THEN
    RAISE EXCEPTION 'vials: label, batch and receipt never change' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER vials_position_in_box BEFORE INSERT OR UPDATE ON vials FOR EACH ROW EXECUTE FUNCTION vials_position_in_box();
--> statement-breakpoint
CREATE TABLE "storage_operations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" integer NOT NULL REFERENCES "batches"("id"),
	"kind" text NOT NULL CHECK (kind IN ('store', 'move')),
	"unit_id" integer NOT NULL REFERENCES "storage_units"("id"),
	"env_temp_c" numeric(6, 2) NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"operator_id" text NOT NULL REFERENCES "accounts"("id"),
	"operator_name" text NOT NULL,
	"operator_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"reviewer_id" text NOT NULL REFERENCES "accounts"("id"),
	"reviewer_name" text NOT NULL,
	"reviewer_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "storage_operations_two_people" CHECK (operator_id <> reviewer_id),
	CONSTRAINT "storage_operations_times" CHECK (started_at <= ended_at)
);
--> statement-breakpoint
CREATE INDEX "storage_operations_batch_idx" ON "storage_operations" ("batch_id");
--> statement-breakpoint
CREATE TABLE "vial_moves" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"operation_id" bigint NOT NULL REFERENCES "storage_operations"("id"),
	"vial_id" bigint NOT NULL REFERENCES "vials"("id"),
	"from_box_id" integer REFERENCES "storage_boxes"("id"),
	"from_row" integer,
	"from_col" integer,
	"to_box_id" integer NOT NULL REFERENCES "storage_boxes"("id"),
	"to_row" integer NOT NULL,
	"to_col" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "vial_moves_vial_idx" ON "vial_moves" ("vial_id");
--> statement-breakpoint
CREATE INDEX "vial_moves_operation_idx" ON "vial_moves" ("operation_id");
--> statement-breakpoint
CREATE TABLE "location_checks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"box_id" integer NOT NULL REFERENCES "storage_boxes"("id"),
	"checked_at" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL CHECK (outcome IN ('match', 'mismatch')),
	"expected_vials" integer NOT NULL,
	"notes" text DEFAULT '' NOT NULL,
	"operator_id" text NOT NULL REFERENCES "accounts"("id"),
	"operator_name" text NOT NULL,
	"operator_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"reviewer_id" text NOT NULL REFERENCES "accounts"("id"),
	"reviewer_name" text NOT NULL,
	"reviewer_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "location_checks_two_people" CHECK (operator_id <> reviewer_id)
);
--> statement-breakpoint
CREATE INDEX "location_checks_box_idx" ON "location_checks" ("box_id");
--> statement-breakpoint
CREATE TABLE "intake_tests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" integer NOT NULL REFERENCES "batches"("id"),
	"batch_number" text NOT NULL,
	"cell_type" text NOT NULL,
	"production_date" date,
	"handover_at" timestamp with time zone NOT NULL,
	"handover_person" text NOT NULL,
	"cell_count" bigint NOT NULL,
	"tested_count" bigint NOT NULL,
	"basis" text NOT NULL,
	"tested_on" date NOT NULL,
	"conclusion" text NOT NULL CHECK (conclusion IN ('pass', 'fail')),
	"operator_id" text NOT NULL REFERENCES "accounts"("id"),
	"operator_name" text NOT NULL,
	"operator_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"reviewer_id" text NOT NULL REFERENCES "accounts"("id"),
	"reviewer_name" text NOT NULL,
	"reviewer_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "intake_tests_two_people" CHECK (operator_id <> reviewer_id)
);
--> statement-breakpoint
CREATE INDEX "intake_tests_batch_idx" ON "intake_tests" ("batch_id");
--> statement-breakpoint
CREATE TABLE "release_tests" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" integer NOT NULL REFERENCES "batches"("id"),
	"batch_number" text NOT NULL,
	"cell_type" text NOT NULL,
	"production_date" date,
	"release_quantity" integer NOT NULL,
	"basis" text NOT NULL,
	"tested_at" timestamp with time zone NOT NULL,
	"conclusion" text NOT NULL CHECK (conclusion IN ('pass', 'fail')),
	"coa_version" integer NOT NULL,
	"operator_id" text NOT NULL REFERENCES "accounts"("id"),
	"operator_name" text NOT NULL,
	"operator_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"reviewer_id" text NOT NULL REFERENCES "accounts"("id"),
	"reviewer_name" text NOT NULL,
	"reviewer_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "release_tests_two_people" CHECK (operator_id <> reviewer_id),
	CONSTRAINT "release_tests_quantity" CHECK (release_quantity >= 0)
);
--> statement-breakpoint
CREATE INDEX "release_tests_batch_idx" ON "release_tests" ("batch_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "release_tests_coa_version" ON "release_tests" ("batch_id", "coa_version");
--> statement-breakpoint
CREATE TABLE "bank_test_items" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"intake_test_id" bigint REFERENCES "intake_tests"("id"),
	"release_test_id" bigint REFERENCES "release_tests"("id"),
	"position" integer NOT NULL,
	"item" text NOT NULL,
	"method" text NOT NULL,
	"specification" text NOT NULL,
	"result" text NOT NULL,
	"within_spec" boolean NOT NULL,
	CONSTRAINT "bank_test_items_one_test" CHECK ((intake_test_id IS NULL) <> (release_test_id IS NULL))
);
--> statement-breakpoint
CREATE INDEX "bank_test_items_intake_idx" ON "bank_test_items" ("intake_test_id");
--> statement-breakpoint
CREATE INDEX "bank_test_items_release_idx" ON "bank_test_items" ("release_test_id");
--> statement-breakpoint
CREATE TABLE "bank_deviations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" integer NOT NULL REFERENCES "batches"("id"),
	"source" text NOT NULL CHECK (source IN ('receipt_logger', 'receipt_temperature', 'intake_test', 'release_test', 'storage_temperature')),
	"receipt_id" bigint REFERENCES "bank_receipts"("id"),
	"intake_test_id" bigint REFERENCES "intake_tests"("id"),
	"release_test_id" bigint REFERENCES "release_tests"("id"),
	"storage_operation_id" bigint REFERENCES "storage_operations"("id"),
	"description" text NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"duration_seconds" integer,
	"extreme_c" numeric(6, 2),
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL,
	"assessment" text,
	"assessed_by" text REFERENCES "accounts"("id"),
	"assessment_signature_id" bigint REFERENCES "signatures"("id"),
	"closed_at" timestamp with time zone,
	CONSTRAINT "bank_deviations_closed_signed" CHECK (closed_at IS NULL OR (assessment IS NOT NULL AND assessed_by IS NOT NULL AND assessment_signature_id IS NOT NULL))
);
--> statement-breakpoint
CREATE INDEX "bank_deviations_batch_idx" ON "bank_deviations" ("batch_id");
--> statement-breakpoint
-- A deviation changes once: its signed assessment.
CREATE FUNCTION bank_deviations_only_assess() RETURNS trigger
-- A fixed search_path, like every trigger function (0031): no temporary table can stand in for ours.
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL
     AND (NEW.batch_id, NEW.source, NEW.description, NEW.detected_at) = (OLD.batch_id, OLD.source, OLD.description, OLD.detected_at)
     AND (NEW.receipt_id, NEW.intake_test_id, NEW.release_test_id, NEW.storage_operation_id, NEW.started_at, NEW.ended_at, NEW.extreme_c)
         IS NOT DISTINCT FROM (OLD.receipt_id, OLD.intake_test_id, OLD.release_test_id, OLD.storage_operation_id, OLD.started_at, OLD.ended_at, OLD.extreme_c) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'bank_deviations: only the signed assessment may be recorded, once' USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER bank_deviations_assess BEFORE UPDATE ON bank_deviations FOR EACH ROW EXECUTE FUNCTION bank_deviations_only_assess();
--> statement-breakpoint
CREATE TABLE "destructions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" integer NOT NULL REFERENCES "batches"("id"),
	"quantity" integer NOT NULL,
	"reason" text NOT NULL,
	"destroyed_at" timestamp with time zone NOT NULL,
	-- No foreign key: a reference would make TRUNCATE of the ledger fail on it before its append-only trigger speaks.
	"movement_id" bigint NOT NULL,
	"operator_id" text NOT NULL REFERENCES "accounts"("id"),
	"operator_name" text NOT NULL,
	"operator_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"reviewer_id" text NOT NULL REFERENCES "accounts"("id"),
	"reviewer_name" text NOT NULL,
	"reviewer_signature_id" bigint NOT NULL REFERENCES "signatures"("id"),
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "destructions_two_people" CHECK (operator_id <> reviewer_id),
	CONSTRAINT "destructions_quantity" CHECK (quantity > 0),
	CONSTRAINT "destructions_reason" CHECK (length(trim(reason)) > 0)
);
--> statement-breakpoint
CREATE INDEX "destructions_batch_idx" ON "destructions" ("batch_id");
--> statement-breakpoint
CREATE TABLE "destruction_vials" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"destruction_id" bigint NOT NULL REFERENCES "destructions"("id"),
	"vial_id" bigint NOT NULL REFERENCES "vials"("id")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "destruction_vials_once" ON "destruction_vials" ("vial_id");
--> statement-breakpoint
CREATE TABLE "vial_picks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" bigint NOT NULL REFERENCES "requests"("id"),
	"vial_id" bigint NOT NULL REFERENCES "vials"("id"),
	"picked_by" text NOT NULL,
	"picked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "vial_picks_once" ON "vial_picks" ("request_id", "vial_id");
--> statement-breakpoint
CREATE TABLE "pick_scans" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" bigint NOT NULL REFERENCES "requests"("id"),
	"scanned" text NOT NULL,
	"vial_id" bigint REFERENCES "vials"("id"),
	"accepted" boolean NOT NULL,
	"scanned_by" text NOT NULL REFERENCES "accounts"("id"),
	"scanned_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pick_scans_accepted_vial" CHECK (NOT accepted OR vial_id IS NOT NULL)
);
--> statement-breakpoint
CREATE INDEX "pick_scans_request_idx" ON "pick_scans" ("request_id");
--> statement-breakpoint
-- A batch whose QC the bank records is available to requesters only through a
-- passing release test, which carries both signatures (NOT NULL columns).
CREATE FUNCTION batches_release_needs_signed_release() RETURNS trigger
-- A fixed search_path, like every trigger function (0031): no temporary table can stand in for ours.
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.qc_source = 'bank' AND NEW.qc_source <> 'bank' THEN
    RAISE EXCEPTION 'batches: batch % is recorded by the bank; it cannot become imported', NEW.number USING ERRCODE = 'check_violation';
  END IF;
  IF NEW.release_status = 'released' AND NEW.qc_source = 'bank'
     AND NOT EXISTS (SELECT 1 FROM release_tests r WHERE r.batch_id = NEW.id AND r.conclusion = 'pass') THEN
    RAISE EXCEPTION 'batches: batch % cannot be released without a signed, passing release test', NEW.number USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE TRIGGER batches_release_needs_signed_release BEFORE INSERT OR UPDATE OF release_status, qc_source ON batches FOR EACH ROW EXECUTE FUNCTION batches_release_needs_signed_release();
--> statement-breakpoint
-- Append-only records: no UPDATE, DELETE or TRUNCATE (the app role also lacks the privileges: db/roles.ts).
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['storage_units', 'storage_racks', 'storage_boxes', 'bank_receipts', 'bank_receipt_readings', 'storage_operations', 'vial_moves', 'location_checks', 'intake_tests', 'release_tests', 'bank_test_items', 'destructions', 'destruction_vials', 'vial_picks', 'pick_scans'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION ledger_reject_change()', t || '_append_only', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()', t || '_no_truncate', t);
  END LOOP;
  FOREACH t IN ARRAY ARRAY['vials', 'bank_deviations'] LOOP
    EXECUTE format('CREATE TRIGGER %I BEFORE DELETE ON %I FOR EACH ROW EXECUTE FUNCTION reject_delete()', t || '_no_delete', t);
    EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()', t || '_no_truncate', t);
  END LOOP;
END $$;

-- Guards of the request chain that drizzle-kit does not generate.
-- Records that must last are append-only: no UPDATE, DELETE or TRUNCATE.
CREATE TRIGGER request_events_append_only BEFORE UPDATE OR DELETE ON request_events FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER request_events_no_truncate BEFORE TRUNCATE ON request_events FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER signatures_append_only BEFORE UPDATE OR DELETE ON signatures FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON signatures FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER outbound_records_append_only BEFORE UPDATE OR DELETE ON outbound_records FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER outbound_records_no_truncate BEFORE TRUNCATE ON outbound_records FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER temperature_readings_append_only BEFORE UPDATE OR DELETE ON temperature_readings FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER temperature_readings_no_truncate BEFORE TRUNCATE ON temperature_readings FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER agreements_append_only BEFORE UPDATE OR DELETE ON agreements FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
CREATE TRIGGER agreement_acceptances_append_only BEFORE UPDATE OR DELETE ON agreement_acceptances FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
-- Rows that change (through audited services) are still never deleted.
CREATE FUNCTION reject_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% rows are never deleted (30-year retention)', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER requests_no_delete BEFORE DELETE ON requests FOR EACH ROW EXECUTE FUNCTION reject_delete();
--> statement-breakpoint
CREATE TRIGGER request_items_no_delete BEFORE DELETE ON request_items FOR EACH ROW EXECUTE FUNCTION reject_delete();
--> statement-breakpoint
CREATE TRIGGER shipments_no_delete BEFORE DELETE ON shipments FOR EACH ROW EXECUTE FUNCTION reject_delete();
--> statement-breakpoint
CREATE TRIGGER deviations_no_delete BEFORE DELETE ON deviations FOR EACH ROW EXECUTE FUNCTION reject_delete();
--> statement-breakpoint
CREATE TRIGGER recall_notices_no_delete BEFORE DELETE ON recall_notices FOR EACH ROW EXECUTE FUNCTION reject_delete();
--> statement-breakpoint
CREATE TRIGGER requests_no_truncate BEFORE TRUNCATE ON requests FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
--> statement-breakpoint
-- A recall notice changes once: its acknowledgement.
CREATE FUNCTION recall_notices_only_acknowledge() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.acknowledged_at IS NULL AND NEW.acknowledged_at IS NOT NULL
     AND (NEW.batch_id, NEW.request_id, NEW.requester_id, NEW.reason, NEW.notified_at) = (OLD.batch_id, OLD.request_id, OLD.requester_id, OLD.reason, OLD.notified_at) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'recall_notices: only the acknowledgement may be recorded' USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER recall_notices_acknowledge BEFORE UPDATE ON recall_notices FOR EACH ROW EXECUTE FUNCTION recall_notices_only_acknowledge();
--> statement-breakpoint
ALTER TABLE requests ADD CONSTRAINT requests_state_known CHECK (state IN ('draft', 'submitted', 'under_review', 'information_requested', 'approved', 'rejected', 'reserved', 'released', 'shipped', 'received', 'closed', 'withdrawn', 'cancelled'));
--> statement-breakpoint
ALTER TABLE requests ADD CONSTRAINT requests_use_known CHECK (use_category IN ('research', 'clinical', 'commercial'));
--> statement-breakpoint
ALTER TABLE requests ADD CONSTRAINT requests_rejection_reason CHECK (state <> 'rejected' OR length(coalesce(rejection_reason, '')) > 0);
--> statement-breakpoint
ALTER TABLE requests ADD CONSTRAINT requests_open_deviations CHECK (open_deviations >= 0 AND (state <> 'closed' OR open_deviations = 0));
--> statement-breakpoint
ALTER TABLE signatures ADD CONSTRAINT signatures_meaning_known CHECK (meaning IN ('reviewed', 'approved', 'executed', 'released', 'deviation_closed', 'batch_status'));
--> statement-breakpoint
ALTER TABLE stock_movements ADD CONSTRAINT stock_movements_request_fk FOREIGN KEY (request_id) REFERENCES requests(id);

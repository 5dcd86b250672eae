-- Issue 15 rules 3, 4 and 6.
-- The outbound record is prepared by an operator (signed) and reviewed by a second staff member (signed "reviewed")
-- before the vials leave: the preparation waits on the request until the review writes the outbound records.
ALTER TABLE requests ADD COLUMN outbound_prepared_by text REFERENCES accounts(id);
ALTER TABLE requests ADD COLUMN outbound_prepared_at timestamp with time zone;
ALTER TABLE requests ADD COLUMN outbound_planned_date date;
ALTER TABLE requests ADD COLUMN outbound_actual_date date;
-- The requester's receipt: what they know of the arrival, for staff to confirm rather than retype.
ALTER TABLE requests ADD COLUMN receipt_arrived_at timestamp with time zone;
ALTER TABLE requests ADD COLUMN receipt_receiver text;
ALTER TABLE requests ADD COLUMN receipt_temp_c numeric(6, 2);

-- No request ends (closed, cancelled, withdrawn, rejected) with a deviation awaiting its signed assessment.
ALTER TABLE requests DROP CONSTRAINT requests_open_deviations;
ALTER TABLE requests ADD CONSTRAINT requests_open_deviations CHECK (open_deviations >= 0 AND (state NOT IN ('closed', 'cancelled', 'withdrawn', 'rejected') OR open_deviations = 0));

-- Once vials have left, a request is never withdrawn or cancelled (it can only close), whoever writes it.
CREATE FUNCTION request_end_after_shipment() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.state IN ('withdrawn', 'cancelled') AND NEW.state IS DISTINCT FROM OLD.state
     AND EXISTS (SELECT 1 FROM stock_movements WHERE request_id = NEW.id AND kind = 'shipped') THEN
    RAISE EXCEPTION 'request %: vials have left the bank; it cannot be %', NEW.id, NEW.state USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER requests_end_after_shipment BEFORE UPDATE OF state ON requests FOR EACH ROW EXECUTE FUNCTION request_end_after_shipment();

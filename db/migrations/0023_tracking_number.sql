-- The carrier's tracking or waybill number belongs to the transport record and its register (issue 15, words and languages).
ALTER TABLE shipments ADD COLUMN tracking_number text NOT NULL DEFAULT '';

-- The institutional official's confirmation is bound to the request's content, and the official may decline (issue 15 rules 5, 9).
ALTER TABLE requests ADD COLUMN official_confirmed_digest text;
ALTER TABLE requests ADD COLUMN official_declined_at timestamp with time zone;
ALTER TABLE requests ADD COLUMN official_decline_reason text;
ALTER TABLE requests ADD CONSTRAINT requests_official_decline_reason CHECK (official_declined_at IS NULL OR coalesce(trim(official_decline_reason), '') <> '');

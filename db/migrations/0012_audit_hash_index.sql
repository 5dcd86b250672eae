-- Anchors name the chain head by its hash (src/lib/server/platform/audit-anchor.ts):
-- finding the event that carries it must not scan the whole trail.
CREATE INDEX "audit_events_hash_idx" ON "audit_events" ("hash");

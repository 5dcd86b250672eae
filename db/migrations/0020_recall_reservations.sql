-- A recall looks back at requests holding a reservation of the batch, not only those that received it (issue 15 rule 1).
ALTER TABLE recall_notices ADD COLUMN kind text NOT NULL DEFAULT 'received' CHECK (kind IN ('received', 'reserved'));

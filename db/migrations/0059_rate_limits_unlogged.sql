-- Rate-limit counters are written on every API call and worth nothing after a
-- crash (a minute's budget at most): an unlogged table skips the WAL and its
-- flush, which under load was a commit per request on one hot row.
ALTER TABLE "rate_limits" SET UNLOGGED;

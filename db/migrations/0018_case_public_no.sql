-- Public case numbers (KM-20261129-000123) from a sequence instead of a per-city, per-day counter
-- row. The counter row was taken early in every intake transaction and stayed locked until its
-- commit, so every report in a city queued behind the one before it: on PostgreSQL, 32 concurrent
-- clients reached 1–2 % of a bare insert's rate (docs/performance.md). A sequence never blocks.
-- The day in the number is still the report day (Asia/Shanghai); the running number no longer
-- restarts each day, and a rolled-back intake leaves a gap, as with any sequence. It starts above
-- every number handed out so far, so no new id can repeat an old one.
CREATE SEQUENCE case_public_no_seq;
SELECT setval('case_public_no_seq', (SELECT coalesce(max(n), 0) + 1 FROM case_sequence), false);
DROP TABLE case_sequence;

-- KPI rollups and the SLA scheduler's indexes (docs/kpi-definitions.md, "How the figures are
-- computed"). Three layers:
--   case_kpi_fact    one row per case: its contribution to every KPI counter, as of the last fold;
--   case_kpi_rollup  sums of facts per (ancestor region at depth 1–4, Shanghai day, dimension, key);
--   kpi_dirty_case   cases whose timeline moved since their fact was computed (filled by a trigger
--                    on case_event in the writer's own transaction, emptied by the fold job).
-- A dirty-case queue rather than an id watermark over case_event: bigserial ids commit out of
-- order, so a watermark can pass an id whose transaction has not committed yet and miss it forever.

CREATE TABLE case_kpi_fact (
  city_code text NOT NULL,
  case_id bigint NOT NULL,
  region_path text NOT NULL,
  -- Local (Asia/Shanghai) date of reported_at: the cohort day.
  day date NOT NULL,
  reported_at timestamptz NOT NULL,
  category_code text NOT NULL,
  department_id bigint,
  channel text NOT NULL,
  -- Per-case contributions (0/1, callbacks may count more than once).
  intake smallint NOT NULL DEFAULT 0,
  decided smallint NOT NULL DEFAULT 0,
  accepted smallint NOT NULL DEFAULT 0,
  due smallint NOT NULL DEFAULT 0,
  disposed smallint NOT NULL DEFAULT 0,
  on_time_num smallint NOT NULL DEFAULT 0,
  on_time_den smallint NOT NULL DEFAULT 0,
  closed smallint NOT NULL DEFAULT 0,
  reworked smallint NOT NULL DEFAULT 0,
  ever_closed smallint NOT NULL DEFAULT 0,
  reopened smallint NOT NULL DEFAULT 0,
  cb_satisfied integer NOT NULL DEFAULT 0,
  cb_basic integer NOT NULL DEFAULT 0,
  cb_dissatisfied integer NOT NULL DEFAULT 0,
  ht_excluded smallint NOT NULL DEFAULT 0,
  -- Handling time (立案 → first 处置反馈); NULL when not in the handling-time figures.
  ht_working_ms bigint,
  ht_elapsed_ms bigint,
  backlog smallint NOT NULL DEFAULT 0,
  overdue smallint NOT NULL DEFAULT 0,
  -- The handling deadline in force at the first 处置反馈, kept once known (on-time rate).
  handled_deadline timestamptz,
  as_of timestamptz NOT NULL,
  PRIMARY KEY (city_code, case_id)
);
CREATE INDEX case_kpi_fact_path_day_idx ON case_kpi_fact (region_path text_pattern_ops, day);
CREATE INDEX case_kpi_fact_day_idx ON case_kpi_fact (day);

CREATE TABLE case_kpi_rollup (
  region_id bigint NOT NULL,
  day date NOT NULL,
  -- 'all' (key ''), or one grouping dimension: 'category', 'department' (key '' = none yet), 'channel'.
  dim text NOT NULL CHECK (dim IN ('all', 'category', 'department', 'channel')),
  key text NOT NULL,
  intake integer NOT NULL DEFAULT 0,
  decided integer NOT NULL DEFAULT 0,
  accepted integer NOT NULL DEFAULT 0,
  due integer NOT NULL DEFAULT 0,
  disposed integer NOT NULL DEFAULT 0,
  on_time_num integer NOT NULL DEFAULT 0,
  on_time_den integer NOT NULL DEFAULT 0,
  closed integer NOT NULL DEFAULT 0,
  reworked integer NOT NULL DEFAULT 0,
  ever_closed integer NOT NULL DEFAULT 0,
  reopened integer NOT NULL DEFAULT 0,
  cb_satisfied integer NOT NULL DEFAULT 0,
  cb_basic integer NOT NULL DEFAULT 0,
  cb_dissatisfied integer NOT NULL DEFAULT 0,
  ht_excluded integer NOT NULL DEFAULT 0,
  ht_count integer NOT NULL DEFAULT 0,
  ht_working_sum_ms bigint NOT NULL DEFAULT 0,
  ht_elapsed_count integer NOT NULL DEFAULT 0,
  ht_elapsed_sum_ms bigint NOT NULL DEFAULT 0,
  -- Working handling time histogram (bucket edges in kpi/buckets.ts), for percentiles of large windows.
  ht_hist integer[] NOT NULL,
  backlog integer NOT NULL DEFAULT 0,
  overdue integer NOT NULL DEFAULT 0,
  PRIMARY KEY (region_id, dim, key, day)
);

CREATE TABLE kpi_dirty_case (
  city_code text NOT NULL,
  case_id bigint NOT NULL,
  touched_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (city_code, case_id)
);
CREATE INDEX kpi_dirty_case_touched_idx ON kpi_dirty_case (touched_at);

CREATE TABLE kpi_fold_state (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  last_fold_at timestamptz,
  folded_cases bigint NOT NULL DEFAULT 0
);
INSERT INTO kpi_fold_state DEFAULT VALUES;

-- DO UPDATE (not DO NOTHING) so the writer holds the queue row's lock until it commits: the fold
-- claims with SKIP LOCKED and so never consumes a mark whose event it cannot see yet.
-- Bulk loaders that build facts themselves set gongzhi.kpi_bulk = 'on' for their transaction.
CREATE FUNCTION case_event_mark_kpi_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF coalesce(current_setting('gongzhi.kpi_bulk', true), '') = 'on' THEN
    RETURN NULL;
  END IF;
  INSERT INTO kpi_dirty_case (city_code, case_id, touched_at) VALUES (NEW.city_code, NEW.case_id, now())
  ON CONFLICT (city_code, case_id) DO UPDATE SET touched_at = EXCLUDED.touched_at;
  RETURN NULL;
END
$$;
CREATE TRIGGER case_event_kpi_dirty AFTER INSERT ON case_event
  FOR EACH ROW EXECUTE FUNCTION case_event_mark_kpi_dirty();

-- Cases that existed before this migration are folded by the first run of the job.
INSERT INTO kpi_dirty_case (city_code, case_id) SELECT city_code, id FROM case_file ON CONFLICT DO NOTHING;

-- The SLA scheduler looks at running, not yet overdue clocks ordered by deadline.
CREATE INDEX case_file_sign_for_clock_idx ON case_file (sign_for_due_at)
  WHERE state = 'dispatched' AND sign_for_overdue_at IS NULL AND sign_for_due_at IS NOT NULL;
CREATE INDEX case_file_handle_clock_idx ON case_file (handle_due_at)
  WHERE state IN ('dispatched', 'signed', 'in_progress') AND handle_overdue_at IS NULL AND handle_due_at IS NOT NULL;
CREATE INDEX case_file_verify_clock_idx ON case_file (verify_due_at)
  WHERE state = 'handled' AND verify_overdue_at IS NULL AND verify_due_at IS NOT NULL;
-- The 12345 rule: open cases returned/transferred or reopened 3 or more times.
CREATE INDEX case_file_repeat_idx ON case_file (id)
  WHERE return_count >= 3 OR transfer_count >= 3 OR reopen_count >= 3;
-- Supervision tickets by kind for the scan's "once per case and kind" check.
CREATE INDEX supervision_ticket_case_kind_idx ON supervision_ticket (case_id, kind);

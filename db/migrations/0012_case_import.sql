-- Historical case import (`gongzhi cases import FILE.csv`): what case_file needs to hold records
-- from another system, as defined in docs/kpi-definitions.md § "Historical import".
--
-- - Two final states a live case never reaches: `cancelled` (the source cancelled it, even when it
--   carries a close time: never disposed, never closed) and `referred` (transferred out of the
--   system). The state CHECK is replaced by name: keep its list in step with 0010_cases.sql.
-- - (city_code, source_dataset, external_id) identifies an imported record, so importing the same
--   file again updates the rows instead of duplicating them. Live cases have neither column (NULLs
--   never conflict in a unique constraint).
-- - data_quality: the import's flags for the record (negative_duration, zero_duration, …); KPIs
--   exclude flagged durations from handling time.
-- - cancelled_at / referred_at: when the record ended that way (closed_at stays for real closures).

ALTER TABLE case_file DROP CONSTRAINT case_file_state_check;
ALTER TABLE case_file ADD CONSTRAINT case_file_state_check CHECK (state IN ('reported', 'not_accepted', 'accepted', 'dispatched', 'returned',
  'signed', 'in_progress', 'handled', 'verified', 'closed', 'evaluated', 'suspended', 'merged', 'cancelled', 'referred'));

ALTER TABLE case_file
  ADD COLUMN external_id text CHECK (length(external_id) BETWEEN 1 AND 200),
  ADD COLUMN source_dataset text CHECK (length(source_dataset) BETWEEN 1 AND 200),
  ADD COLUMN data_quality text[] NOT NULL DEFAULT '{}',
  ADD COLUMN cancelled_at timestamptz,
  ADD COLUMN referred_at timestamptz,
  ADD CONSTRAINT case_file_external_pair_check CHECK ((external_id IS NULL) = (source_dataset IS NULL)),
  ADD CONSTRAINT case_file_external_uq UNIQUE (city_code, source_dataset, external_id);

CREATE INDEX case_file_data_quality_idx ON case_file USING gin (data_quality) WHERE data_quality <> '{}';

-- The default category of imported records whose source category is not mapped to one of ours.
-- Inactive: nobody reports into it (web, hotline, Open311); it exists for history only. The
-- source category, subcategory and agency stay in each case's attributes.
INSERT INTO case_category (code, parent_code, level, name_zh, name_en, description, deadlines, private, active, sort)
VALUES
  ('import', NULL, 1, '历史导入', 'Historical import', 'Records imported from another system''s history.',
   '{"1": {"mode": "calendar", "sign_for": 1, "handle": 24, "verify": 8}, "2": {"mode": "calendar", "sign_for": 4, "handle": 72, "verify": 24}, "3": {"mode": "calendar", "sign_for": 8, "handle": 168, "verify": 48}}'::jsonb,
   false, false, 9000),
  ('import.other', 'import', 2, '历史导入（未映射类别）', 'Historical import (unmapped category)',
   'An imported record whose source category is not mapped to a platform category; see its attributes.',
   '{"1": {"mode": "calendar", "sign_for": 1, "handle": 24, "verify": 8}, "2": {"mode": "calendar", "sign_for": 4, "handle": 72, "verify": 24}, "3": {"mode": "calendar", "sign_for": 8, "handle": 168, "verify": 48}}'::jsonb,
   false, false, 1)
ON CONFLICT (code) DO NOTHING;

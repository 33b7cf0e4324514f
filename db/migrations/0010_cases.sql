-- Cases (事件/案卷): the closed loop from report to callback.
--
-- Distribution: every table that grows with cases carries `city_code` (the city region's code) and
-- keys on (city_code, id), so that on Citus they can be distributed by city_code and co-located;
-- the taxonomy and routing rules are small reference tables. Foreign keys between case tables
-- include city_code for the same reason.

-- Two-level taxonomy (major / minor). `code` is stable: it is the Open311 service_code.
CREATE TABLE case_category (
  code text PRIMARY KEY CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
  parent_code text REFERENCES case_category (code),
  level smallint NOT NULL CHECK (level IN (1, 2)),
  name_zh text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 100),
  name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
  description text,
  keywords text[] NOT NULL DEFAULT '{}',
  default_response_level smallint NOT NULL DEFAULT 3 CHECK (default_response_level IN (1, 2, 3)),
  -- Per response level and step, in hours: {"1": {"mode": "calendar", "sign_for": 0.5, "handle": 4, "verify": 2}, "2": …, "3": …};
  -- mode is 'working' (working-day calendar) or 'calendar' (elapsed hours).
  deadlines jsonb NOT NULL,
  -- Open311 attribute definitions: [{code, datatype, required, description, order, values: [{key, name}]}],
  -- datatype in string, number, datetime, text, singlevaluelist, multivaluelist.
  attributes jsonb NOT NULL DEFAULT '[]'::jsonb,
  private boolean NOT NULL DEFAULT false,
  auto_dispatch boolean NOT NULL DEFAULT false,
  needs_contact boolean NOT NULL DEFAULT false,
  -- Duplicate detection: open cases of the same category within this radius and window.
  duplicate_radius_m integer NOT NULL DEFAULT 250 CHECK (duplicate_radius_m BETWEEN 0 AND 100000),
  duplicate_window_hours integer NOT NULL DEFAULT 168 CHECK (duplicate_window_hours BETWEEN 0 AND 87600),
  sort integer NOT NULL DEFAULT 0,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((level = 1) = (parent_code IS NULL))
);
CREATE INDEX case_category_parent_idx ON case_category (parent_code);

-- Category × region subtree → lead department (+ co-handlers). The most specific rule wins:
-- deepest region first, then a minor category over its major over "any category".
CREATE TABLE routing_rule (
  id bigserial PRIMARY KEY,
  category_code text REFERENCES case_category (code),
  region_id bigint NOT NULL REFERENCES region (id),
  region_path text NOT NULL,
  lead_department_id bigint NOT NULL REFERENCES department (id),
  co_department_ids bigint[] NOT NULL DEFAULT '{}',
  response_level smallint CHECK (response_level IN (1, 2, 3)),
  note text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX routing_rule_path_idx ON routing_rule (region_path text_pattern_ops);
CREATE INDEX routing_rule_category_idx ON routing_rule (category_code);
CREATE UNIQUE INDEX routing_rule_uq ON routing_rule (COALESCE(category_code, ''), region_id) WHERE active;

-- Public ids KM-20261129-000123: one counter per city and day (Asia/Shanghai).
CREATE TABLE case_sequence (
  city_code text NOT NULL,
  day date NOT NULL,
  n integer NOT NULL,
  PRIMARY KEY (city_code, day)
);

CREATE TABLE case_file (
  id bigserial NOT NULL,
  city_code text NOT NULL,
  public_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('reported', 'not_accepted', 'accepted', 'dispatched', 'returned', 'signed', 'in_progress',
    'handled', 'verified', 'closed', 'evaluated', 'suspended', 'merged')),
  -- While suspended: the state to resume into.
  suspended_from text,
  channel text NOT NULL CHECK (channel IN ('web', 'h5', 'patrol', 'hotline', 'police', 'open311', 'import')),
  category_code text NOT NULL REFERENCES case_category (code),
  response_level smallint NOT NULL CHECK (response_level IN (1, 2, 3)),
  title text,
  description text NOT NULL,
  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
  private boolean NOT NULL DEFAULT false,
  -- Location: stored in WGS-84; what the client sent is kept for traceability.
  geom geometry(Point, 4326),
  input_lng double precision,
  input_lat double precision,
  input_crs text CHECK (input_crs IN ('wgs84', 'cgcs2000', 'gcj02', 'bd09')),
  address text,
  out_of_region boolean NOT NULL DEFAULT false,
  -- The deepest region covering the point (the city when outside every region), and the chain
  -- denormalised so rollups and scope filters need no join.
  region_id bigint NOT NULL REFERENCES region (id),
  region_path text NOT NULL,
  city_id bigint,
  district_id bigint,
  street_id bigint,
  community_id bigint,
  grid_id bigint,
  -- Reporter: the user (NULL when not logged in); name/phone stored in full, masked on output.
  reporter_user_id bigint REFERENCES app_user (id),
  reporter_name text,
  reporter_phone text,
  anonymous boolean NOT NULL DEFAULT false,
  -- The centre (综治中心 at community/street/district/city) that currently triages and dispatches.
  centre_region_id bigint NOT NULL REFERENCES region (id),
  centre_path text NOT NULL,
  lead_department_id bigint REFERENCES department (id),
  co_department_ids bigint[] NOT NULL DEFAULT '{}',
  routing_rule_id bigint,
  -- Deadlines per step, with the clock mode they were computed in; warned/overdue markers are set
  -- by the SLA scheduler.
  deadline_mode text NOT NULL DEFAULT 'working' CHECK (deadline_mode IN ('working', 'calendar')),
  sign_for_due_at timestamptz,
  sign_for_warned_at timestamptz,
  sign_for_overdue_at timestamptz,
  handle_due_at timestamptz,
  handle_warned_at timestamptz,
  handle_overdue_at timestamptz,
  verify_due_at timestamptz,
  verify_warned_at timestamptz,
  verify_overdue_at timestamptz,
  -- Suspension: the clock stops; on resume the open deadlines move by the time suspended.
  suspended_at timestamptz,
  suspended_ms bigint NOT NULL DEFAULT 0,
  -- A pending extension request: {hours, reason, requestedAt, requestedBy}.
  pending_extension jsonb,
  return_count integer NOT NULL DEFAULT 0,
  transfer_count integer NOT NULL DEFAULT 0,
  reopen_count integer NOT NULL DEFAULT 0,
  rework_count integer NOT NULL DEFAULT 0,
  escalation_count integer NOT NULL DEFAULT 0,
  merged_into bigint,
  not_accepted_reason text,
  handling_summary text,
  satisfaction text CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
  satisfaction_comment text,
  version integer NOT NULL DEFAULT 1,
  reported_at timestamptz NOT NULL,
  accepted_at timestamptz,
  dispatched_at timestamptz,
  signed_at timestamptz,
  started_at timestamptz,
  handled_at timestamptz,
  verified_at timestamptz,
  closed_at timestamptz,
  evaluated_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (city_code, id),
  CHECK ((state = 'suspended') = (suspended_from IS NOT NULL)),
  CHECK ((state = 'merged') = (merged_into IS NOT NULL))
);
-- Look-ups by id alone (the API's :id); bigserial keeps ids unique across cities.
CREATE INDEX case_file_id_idx ON case_file (id);
CREATE UNIQUE INDEX case_file_public_id_uq ON case_file (city_code, public_id);
CREATE INDEX case_file_public_id_idx ON case_file (public_id);
CREATE INDEX case_file_state_idx ON case_file (state);
CREATE INDEX case_file_region_path_idx ON case_file (region_path text_pattern_ops);
CREATE INDEX case_file_centre_path_idx ON case_file (centre_path text_pattern_ops);
CREATE INDEX case_file_category_idx ON case_file (category_code);
CREATE INDEX case_file_lead_department_idx ON case_file (lead_department_id);
CREATE INDEX case_file_co_departments_idx ON case_file USING gin (co_department_ids);
CREATE INDEX case_file_reporter_idx ON case_file (reporter_user_id) WHERE reporter_user_id IS NOT NULL;
CREATE INDEX case_file_created_idx ON case_file (created_at DESC, id DESC);
CREATE INDEX case_file_geom_idx ON case_file USING gist (geom);
CREATE INDEX case_file_description_trgm_idx ON case_file USING gin (description gin_trgm_ops);
CREATE INDEX case_file_open_category_idx ON case_file (category_code, created_at)
  WHERE state NOT IN ('not_accepted', 'closed', 'evaluated', 'merged');

-- The append-only timeline. `public_text` is what the public sees (no names, phones or notes);
-- events with public = false are for staff only.
CREATE TABLE case_event (
  id bigserial NOT NULL,
  city_code text NOT NULL,
  case_id bigint NOT NULL,
  at timestamptz NOT NULL,
  type text NOT NULL,
  from_state text,
  to_state text,
  actor_type text NOT NULL,
  actor_id bigint,
  actor_name text NOT NULL,
  department_id bigint,
  data jsonb NOT NULL DEFAULT '{}'::jsonb,
  public boolean NOT NULL DEFAULT false,
  public_text text,
  request_id text,
  PRIMARY KEY (city_code, id),
  FOREIGN KEY (city_code, case_id) REFERENCES case_file (city_code, id)
);
CREATE INDEX case_event_case_idx ON case_event (case_id, id);
CREATE INDEX case_event_type_at_idx ON case_event (type, at);

CREATE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'case_event is append-only';
END
$$;
CREATE TRIGGER case_event_no_change BEFORE UPDATE OR DELETE ON case_event
  FOR EACH ROW EXECUTE FUNCTION case_event_append_only();

-- Files are stored content-addressed under <dataDir>/files/ab/cd/<sha256>. `sha256` is the bytes as
-- uploaded (only the uploader sees them); `public_sha256` the EXIF-free re-encoded copy everyone
-- else sees.
CREATE TABLE case_attachment (
  id bigserial NOT NULL,
  city_code text NOT NULL,
  case_id bigint NOT NULL,
  kind text NOT NULL CHECK (kind IN ('report', 'evidence', 'verification')),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  public_sha256 text NOT NULL CHECK (public_sha256 ~ '^[0-9a-f]{64}$'),
  mime text NOT NULL,
  public_mime text NOT NULL,
  size_bytes integer NOT NULL,
  width integer,
  height integer,
  file_name text,
  uploaded_by_type text NOT NULL,
  uploaded_by_id bigint,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (city_code, id),
  FOREIGN KEY (city_code, case_id) REFERENCES case_file (city_code, id)
);
CREATE INDEX case_attachment_case_idx ON case_attachment (case_id);
CREATE INDEX case_attachment_sha_idx ON case_attachment (sha256);
CREATE INDEX case_attachment_public_sha_idx ON case_attachment (public_sha256);

-- Every reporter of a case, including those of cases merged into it: all of them get its updates
-- and its callback.
CREATE TABLE case_reporter (
  id bigserial NOT NULL,
  city_code text NOT NULL,
  case_id bigint NOT NULL,
  source_case_id bigint NOT NULL,
  user_id bigint REFERENCES app_user (id),
  name text,
  phone text,
  anonymous boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (city_code, id),
  FOREIGN KEY (city_code, case_id) REFERENCES case_file (city_code, id)
);
CREATE INDEX case_reporter_case_idx ON case_reporter (case_id);
CREATE INDEX case_reporter_user_idx ON case_reporter (user_id) WHERE user_id IS NOT NULL;

-- Idempotent submissions: a key is scoped to who sent it (user, API key, or anonymous); the first
-- response is replayed for a retry with the same body; another body under the same key is a 409.
CREATE TABLE idempotency (
  scope text NOT NULL,
  key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  request_hash text NOT NULL,
  status_code integer NOT NULL,
  response jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_created_idx ON idempotency (created_at);

-- 督办单: a supervision ticket at a level above the case's centre (opened by the SLA scheduler on
-- overdue, by the 3-returns/3-reopens rule, or by a supervisor).
CREATE TABLE supervision_ticket (
  id bigserial NOT NULL,
  city_code text NOT NULL,
  case_id bigint NOT NULL,
  region_id bigint NOT NULL REFERENCES region (id),
  region_path text NOT NULL,
  level text NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
  kind text NOT NULL CHECK (kind IN ('overdue', 'repeat_return', 'repeat_reopen', 'manual')),
  reason text NOT NULL,
  opened_at timestamptz NOT NULL,
  opened_by_type text NOT NULL,
  opened_by_id bigint,
  closed_at timestamptz,
  closed_by_id bigint,
  closing_note text,
  PRIMARY KEY (city_code, id),
  FOREIGN KEY (city_code, case_id) REFERENCES case_file (city_code, id)
);
CREATE INDEX supervision_ticket_case_idx ON supervision_ticket (case_id);
CREATE INDEX supervision_ticket_path_idx ON supervision_ticket (region_path text_pattern_ops) WHERE closed_at IS NULL;
CREATE UNIQUE INDEX supervision_ticket_open_uq ON supervision_ticket (city_code, case_id, region_id, kind) WHERE closed_at IS NULL;

-- Governance index (社会治理现代化指数): frameworks as data, indicator values per region and
-- period (imported, or computed from live data by the module's providers), import batches, and
-- immutable snapshots of every computation.

-- A framework is versioned: redefining a code adds a version, never edits one, so a snapshot's
-- (framework_code, framework_version) always names the exact tree it was computed with.
CREATE TABLE index_framework (
  id bigserial PRIMARY KEY,
  code text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
  version integer NOT NULL CHECK (version >= 1),
  name_zh text NOT NULL CHECK (length(name_zh) BETWEEN 1 AND 200),
  name_en text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
  description text,
  -- {aggregates: [{code, nameZh, nameEn, weight, parent?}], indicators: [{code, …, parent, optional?}]},
  -- validated by the engine's compileFramework before it is stored.
  tree jsonb NOT NULL,
  builtin boolean NOT NULL DEFAULT false,
  created_by_type text NOT NULL,
  created_by_id bigint,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (code, version)
);

CREATE TABLE index_import_batch (
  id bigserial PRIMARY KEY,
  file_name text,
  format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  layout text NOT NULL CHECK (layout IN ('long', 'wide')),
  row_count integer NOT NULL,
  value_count integer NOT NULL,
  indicator_codes text[] NOT NULL,
  periods text[] NOT NULL,
  note text,
  created_by_type text NOT NULL,
  created_by_id bigint,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One value per (indicator, region, period). Indicator codes are independent of frameworks: one
-- value feeds every framework that names the code. source: 'computed' (written by a snapshot
-- computation from live data) or 'imported:<batch id>'.
CREATE TABLE index_indicator_value (
  id bigserial PRIMARY KEY,
  indicator_code text NOT NULL CHECK (indicator_code ~ '^[a-z][a-z0-9_]{0,63}$'),
  region_id bigint NOT NULL REFERENCES region (id),
  period text NOT NULL CHECK (period ~ '^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$'),
  value double precision NOT NULL CHECK (value = value AND value < 'Infinity'::float8 AND value > '-Infinity'::float8),
  source text NOT NULL CHECK (source = 'computed' OR source ~ '^imported:[0-9]+$'),
  batch_id bigint REFERENCES index_import_batch (id),
  imported_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (indicator_code, region_id, period)
);
CREATE INDEX index_indicator_value_period_idx ON index_indicator_value (period, indicator_code);
CREATE INDEX index_indicator_value_region_idx ON index_indicator_value (region_id);

-- A computation for (framework, period, level) with its parameters, its raw input matrix and
-- every output. Immutable: recomputing makes a new snapshot (trigger below).
CREATE TABLE index_snapshot (
  id bigserial PRIMARY KEY,
  framework_id bigint NOT NULL REFERENCES index_framework (id),
  framework_code text NOT NULL,
  framework_version integer NOT NULL,
  period text NOT NULL CHECK (period ~ '^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$'),
  level text NOT NULL CHECK (level IN ('district', 'street', 'community', 'grid')),
  -- Region subtrees the units were drawn from ('/1/' for a whole city); visibility is decided
  -- by overlap with the reader's scope, rows by index_snapshot_row.region_path.
  scope_paths text[] NOT NULL,
  unit_count integer NOT NULL,
  parameters jsonb NOT NULL,
  inputs jsonb NOT NULL,
  outputs jsonb NOT NULL,
  created_by_type text NOT NULL,
  created_by_id bigint,
  created_by_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX index_snapshot_lookup_idx ON index_snapshot (framework_code, level, period, created_at DESC);

-- One row per unit of a snapshot: what rankings, trends and region-scoped reads query, so a
-- reader's scope filters rows in SQL and nobody loads a whole snapshot to see one region.
CREATE TABLE index_snapshot_row (
  snapshot_id bigint NOT NULL REFERENCES index_snapshot (id),
  region_id bigint NOT NULL REFERENCES region (id),
  region_code text NOT NULL,
  region_name text NOT NULL,
  region_path text NOT NULL,
  score double precision,
  rank integer,
  median_rank double precision,
  rank_p05 double precision,
  rank_p95 double precision,
  -- {aggregate code: score} for every aggregate, the index included.
  aggregates jsonb NOT NULL,
  ranks jsonb NOT NULL,
  PRIMARY KEY (snapshot_id, region_id)
);
CREATE INDEX index_snapshot_row_region_idx ON index_snapshot_row (region_id);
CREATE INDEX index_snapshot_row_path_idx ON index_snapshot_row (region_path text_pattern_ops);

CREATE FUNCTION index_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is immutable: compute a new snapshot or define a new framework version instead', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER index_snapshot_no_change BEFORE UPDATE OR DELETE ON index_snapshot
  FOR EACH ROW EXECUTE FUNCTION index_immutable();
CREATE TRIGGER index_snapshot_row_no_change BEFORE UPDATE OR DELETE ON index_snapshot_row
  FOR EACH ROW EXECUTE FUNCTION index_immutable();
CREATE TRIGGER index_framework_no_change BEFORE UPDATE OR DELETE ON index_framework
  FOR EACH ROW EXECUTE FUNCTION index_immutable();

-- The region-and-grid hierarchy: city → district → street → community → grid → micro-grid.
-- `path` is the chain of ancestor ids including the unit itself, delimited on both sides
-- ('/1/17/203/'), so "inside scope Y" is `path LIKE Y.path || '%'` on whole segments; never a
-- prefix test on zero-padded codes. Codes may change over time (re-coding, splits, merges): a
-- unit keeps its id, and region_code_history maps every old code to it.
CREATE TABLE region (
  id bigserial PRIMARY KEY,
  code text NOT NULL,
  name text NOT NULL,
  level text NOT NULL CHECK (level IN ('city', 'district', 'street', 'community', 'grid', 'microgrid')),
  parent_id bigint REFERENCES region (id),
  path text NOT NULL,
  depth smallint NOT NULL,
  subtype text,
  geom geometry(MultiPolygon, 4326),
  centroid geometry(Point, 4326),
  area_km2 double precision,
  boundary_source text CHECK (boundary_source IN ('imported', 'generated')),
  population integer CHECK (population >= 0),
  households integer CHECK (households >= 0),
  valid_from date NOT NULL DEFAULT DATE '1900-01-01',
  valid_to date,
  attrs jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (code ~ '^[0-9]{12}([0-9]{3}([0-9]{2})?)?$')
);
-- One current unit per code; retired units (valid_to set) keep theirs for history.
CREATE UNIQUE INDEX region_code_current_uq ON region (code) WHERE valid_to IS NULL;
CREATE INDEX region_code_idx ON region (code);
CREATE INDEX region_path_idx ON region (path text_pattern_ops);
CREATE INDEX region_parent_idx ON region (parent_id);
CREATE INDEX region_level_idx ON region (level);
CREATE INDEX region_geom_idx ON region USING gist (geom);

CREATE TABLE region_code_history (
  id bigserial PRIMARY KEY,
  region_id bigint NOT NULL REFERENCES region (id),
  old_code text NOT NULL,
  new_code text,
  change text NOT NULL CHECK (change IN ('recoded', 'renamed', 'split', 'merged', 'retired', 'moved')),
  note text,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX region_code_history_old_idx ON region_code_history (old_code);
CREATE INDEX region_code_history_new_idx ON region_code_history (new_code);

-- A counter bumped by every statement that changes region, in the same transaction. In-memory
-- copies of the boundaries (the locate index) compare it to know they are stale, whichever
-- process or node made the change, and see a change only once it is committed.
CREATE TABLE region_revision (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  rev bigint NOT NULL DEFAULT 0,
  changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO region_revision DEFAULT VALUES;

CREATE FUNCTION region_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE region_revision SET rev = rev + 1, changed_at = now();
  RETURN NULL;
END
$$;

CREATE TRIGGER region_revision_bump AFTER INSERT OR UPDATE OR DELETE ON region
  FOR EACH STATEMENT EXECUTE FUNCTION region_bump_revision();

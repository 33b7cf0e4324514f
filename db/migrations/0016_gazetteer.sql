-- The offline gazetteer: named roads, places (POIs) and addresses a city imports, so that a report
-- that gives only an address can still be located without an internet geocoder. Region names
-- themselves come from `region`; this table holds what the hierarchy does not name.
--
-- `names` holds the normalised name and every normalised alias (NFKC, no spaces, lower-case
-- Latin): the geocoder looks an address up by the set of its substrings (`names && $1`), an exact
-- match that behaves the same on every PostgreSQL; the trigram index serves the "did you mean"
-- suggestions of GET /api/regions/geocode.
CREATE TABLE gazetteer_entry (
  id bigserial PRIMARY KEY,
  name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 200),
  kind text NOT NULL CHECK (kind IN ('road', 'poi', 'address')),
  -- The deepest region covering the point when it was imported, and its city (for scoping).
  region_id bigint NOT NULL REFERENCES region (id),
  city_id bigint NOT NULL REFERENCES region (id),
  geom geometry(Point, 4326) NOT NULL,
  aliases text[] NOT NULL DEFAULT '{}',
  names text[] NOT NULL,
  name_norm text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Re-importing a file replaces rows instead of duplicating them: one entry per name, kind and region.
CREATE UNIQUE INDEX gazetteer_entry_uq ON gazetteer_entry (name_norm, kind, region_id);
CREATE INDEX gazetteer_entry_names_idx ON gazetteer_entry USING gin (names);
CREATE INDEX gazetteer_entry_name_trgm_idx ON gazetteer_entry USING gin (name_norm gin_trgm_ops);
CREATE INDEX gazetteer_entry_city_idx ON gazetteer_entry (city_id);
CREATE INDEX gazetteer_entry_geom_idx ON gazetteer_entry USING gist (geom);

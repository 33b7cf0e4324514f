-- Where a case's location came from: the reporter's point (gps), the gazetteer's point for the
-- address (geocoded_point), only the region named in the address (geocoded_region), or nothing
-- (none: the address matched nothing; the case waits at the city centre, flagged). NULL: written
-- by a path that does not record it (historical imports, synthetic data).
ALTER TABLE case_file
  ADD COLUMN location_source text CHECK (location_source IN ('gps', 'geocoded_point', 'geocoded_region', 'none')),
  ADD COLUMN location_confidence real CHECK (location_confidence BETWEEN 0 AND 1);

UPDATE case_file SET location_source = CASE WHEN geom IS NOT NULL THEN 'gps' ELSE 'none' END;

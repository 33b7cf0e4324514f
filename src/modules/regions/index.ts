/**
 * The regions module's public surface: the only file other modules import.
 * The hierarchy city → district → street → community → grid → micro-grid, with codes, boundaries,
 * locating a point, imports, and the people who staff the grids.
 */
import type { ModuleManifest } from '../types.js';
import { regionsCli } from './regions.cli.js';
import { getLocateIndex } from './locate.js';
import { gazetteerRoutes } from './gazetteer.routes.js';
import { regionsRoutes } from './regions.routes.js';
import { seedDemoRegions } from './seed-demo.js';

export { LEVELS, type Level, normalizeCode, levelOfCode, gridCode, microgridCode } from './codes.js';
export { CRS_VALUES, type Crs, toWgs84 } from './crs.js';
export { locatePoint, getLocateIndex, refreshLocateIndex, checkPoint } from './locate.js';
export type { LocateResult, ChainLink, LocateIndex } from './locate-index.js';
export {
  getRegionByCode,
  getRegionById,
  resolveCode,
  regionChain,
  listDescendantIds,
  maskPhone,
  type RegionRef,
} from './regions.service.js';
export { importRegions, type ImportSummary } from './import/import.command.js';
export { readImportFiles, type InputFile } from './import/read.js';
export type { ImportOptions, ImportFormat } from './import/parse.js';
export { applyDivisionChanges, parseChangeLog, type DivisionChange, type ChangeSummary } from './changes.js';
export { seedDemoRegions, seedDemoSmall, CITY_CODE, CITY_EXTENT, type DemoOptions, type DemoStats } from './seed-demo.js';
export { STAFF_ROLES, type StaffRole } from './regions.repository.js';
export { geocodeAddress, suggestNames, importGazetteer, getNameIndex, type GeocodeOptions, type GeocodeSuggestion, type GazetteerImportSummary } from './gazetteer.service.js';
export { normalizeAddress, type GeocodeResult, type GeocodeRegion, type GeocodeMatch } from './gazetteer.js';

export const manifest: ModuleManifest = {
  name: 'regions',
  async routes(app, deps) {
    await regionsRoutes(app, deps);
    await gazetteerRoutes(app, deps);
  },
  async onReady({ db }) {
    // Warm the index before the first request; one a demo seed in this process just built
    // (same region revision) is reused rather than built a second time.
    await getLocateIndex(db);
  },
  cli: regionsCli,
  async seedDemo(db, ctx, log) {
    await seedDemoRegions(db, ctx, log);
  },
  auditVerbs: ['regions.import', 'regions.apply_changes', 'regions.seed_demo', 'regions.staff.assign', 'regions.gazetteer_import'],
};

/** HTTP routes: validate → policy → service/command → presenter. No SQL here. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, invalid } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { LEVELS, normalizeCode } from './codes.js';
import { CRS_VALUES, type Crs } from './crs.js';
import { importRegions } from './import/import.command.js';
import type { ImportOptions } from './import/parse.js';
import { readImportFiles, type InputFile } from './import/read.js';
import { checkPoint, getLocateIndex, refreshLocateIndex } from './locate.js';
import { policy } from './regions.policy.js';
import {
  LocateResponse,
  RegionDetailResponse,
  RegionListResponse,
  StaffListResponse,
  StaffSchema,
  StaffSummaryResponse,
  link,
  presentRegion,
  presentStaff,
} from './regions.presenter.js';
import { STAFF_ROLES, findCurrentByCode } from './regions.repository.js';
import * as svc from './regions.service.js';

const BROWSE_LIMIT = { max: 600, timeWindow: '1 minute' };
const LOCATE_LIMIT = { max: 120, timeWindow: '1 minute' };

const CodeParam = Type.Object({ code: Type.String({ pattern: '^[0-9]{6,17}$', description: 'region code; 6/9-digit NBS codes are zero-padded; old codes resolve' }) });
const Enum = <T extends readonly string[]>(vals: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...vals], ...(description ? { description } : {}) });

const ImportQuery = Type.Object(
  {
    format: Type.Optional(Enum(['geojson', 'shapefile', 'nbs-csv'] as const, 'default: from the file name (JSON bodies are GeoJSON)')),
    codeProp: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    nameProp: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    level: Type.Optional(Enum(LEVELS, 'one level for every feature')),
    parent: Type.Optional(Type.String({ pattern: '^[0-9]{6,17}$', description: 'one parent code for every feature' })),
    crs: Type.Optional(Enum(CRS_VALUES, 'coordinates of the file; GCJ-02 and BD-09 are converted to WGS-84')),
    onInvalid: Type.Optional(Enum(['repair', 'reject'] as const, 'invalid rings: repair with ST_MakeValid (default) or reject')),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const FeatureCollectionBody = Type.Object(
  { type: Type.Literal('FeatureCollection'), features: Type.Array(Type.Object({ type: Type.Literal('Feature') }, { additionalProperties: true })) },
  { additionalProperties: true },
);

const ImportSummarySchema = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  repaired: Type.Integer(),
  rejected: Type.Integer(),
  dryRun: Type.Boolean(),
  problems: Type.Array(Type.Object({ feature: Type.String(), problem: Type.String(), action: Type.String() })),
});

const StaffBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    phone: Type.Optional(Type.String({ pattern: '^1[3-9][0-9]{9}$', description: 'mainland mobile number, 11 digits' })),
    role: Enum(STAFF_ROLES, '网格长 grid_leader · 专职网格员 full_time · 兼职网格员 part_time · 楼栋长 building_head · 十户长 ten_household_head · 小巷管家 alley_steward · 红袖标 red_armband'),
    userId: Type.Optional(Type.Integer({ minimum: 1 })),
    since: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
    until: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' })),
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export async function regionsRoutes(app: FastifyInstance, { db }: AppDeps): Promise<void> {
  app.get(
    '/api/regions/locate',
    {
      config: { policy: 'public', rateLimit: LOCATE_LIMIT },
      schema: {
        tags: ['regions'],
        summary: 'The chain of units whose boundaries cover a point, deepest first up to the city',
        querystring: Type.Object({
          // Strings, checked by checkPoint, so that NaN, "abc" and out-of-range values get one clear message naming the field.
          lng: Type.Optional(Type.String({ description: 'longitude, -180..180' })),
          lat: Type.Optional(Type.String({ description: 'latitude, -90..90' })),
          crs: Type.Optional(Enum(CRS_VALUES, 'default wgs84 (GPS); gcj02 for Amap/Tencent, bd09 for Baidu')),
        }),
        response: { 200: LocateResponse },
      },
    },
    async (req) => {
      const q = req.query as { lng?: string; lat?: string; crs?: Crs };
      const [x, y] = checkPoint(q.lng, q.lat, q.crs ?? 'wgs84');
      const hit = (await getLocateIndex(db)).locate(x, y);
      if (!hit) throw new AppError('location_outside_regions', undefined, { lng: x, lat: y });
      return { chain: hit.chain.map(link) };
    },
  );

  app.get(
    '/api/regions',
    {
      config: { policy: 'public', rateLimit: BROWSE_LIMIT },
      schema: {
        tags: ['regions'],
        summary: 'Children of a unit (parent=CODE), or the roots',
        querystring: Type.Object({
          parent: Type.Optional(Type.String({ pattern: '^[0-9]{6,17}$' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000, default: 500 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        }),
        response: { 200: RegionListResponse },
      },
    },
    async (req) => {
      const q = req.query as { parent?: string; limit?: number; offset?: number };
      const r = await svc.listRegions(db, q.parent, q.limit ?? 500, q.offset ?? 0);
      return { parent: r.parent ? link(r.parent) : null, items: r.items.map((i) => ({ ...presentRegion(i), childCount: i.childCount })) };
    },
  );

  app.get(
    '/api/regions/:code',
    {
      config: { policy: 'public', rateLimit: BROWSE_LIMIT },
      schema: { tags: ['regions'], summary: 'One unit: parents, counts below it, population, area, staff counts', params: CodeParam, response: { 200: RegionDetailResponse } },
    },
    async (req) => {
      const { code } = req.params as Static<typeof CodeParam>;
      const d = await svc.regionDetail(db, code, req.ctx().now);
      return {
        ...presentRegion(d.row),
        resolvedFrom: d.resolvedFrom,
        parents: [...d.ancestors].reverse().map(link),
        childCount: d.childCount,
        descendants: d.descendants,
        staff: { total: Object.values(d.staff).reduce((a, b) => a + b, 0), byRole: d.staff },
      };
    },
  );

  app.get(
    '/api/regions/:code/children',
    {
      config: { policy: 'public', rateLimit: BROWSE_LIMIT },
      schema: {
        tags: ['regions'],
        summary: 'The current children of a unit',
        params: CodeParam,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 2000, default: 500 })), offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })) }),
        response: { 200: RegionListResponse },
      },
    },
    async (req) => {
      const { code } = req.params as Static<typeof CodeParam>;
      const q = req.query as { limit?: number; offset?: number };
      const r = await svc.listRegions(db, code, q.limit ?? 500, q.offset ?? 0);
      return { parent: r.parent ? link(r.parent) : null, items: r.items.map((i) => ({ ...presentRegion(i), childCount: i.childCount })) };
    },
  );

  app.get(
    '/api/regions/:code/geojson',
    {
      config: { policy: 'public', rateLimit: BROWSE_LIMIT },
      schema: {
        tags: ['regions'],
        summary: 'The subtree as a GeoJSON FeatureCollection (for maps)',
        params: CodeParam,
        querystring: Type.Object({
          depth: Type.Optional(Type.Integer({ minimum: 0, maximum: 5, default: 1, description: 'levels below the unit (0: the unit alone)' })),
          simplify: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'ST_SimplifyPreserveTopology tolerance in degrees (0.0001 ≈ 10 m)' })),
        }),
      },
    },
    async (req, reply) => {
      const { code } = req.params as Static<typeof CodeParam>;
      const q = req.query as { depth?: number; simplify?: number };
      const json = await svc.exportGeoJson(db, code, q.depth ?? 1, q.simplify ?? 0);
      return reply.type('application/geo+json; charset=utf-8').send(json);
    },
  );

  app.post(
    '/api/regions/import',
    {
      config: { policy: 'regions.import' },
      bodyLimit: 50 * 1_048_576,
      schema: {
        tags: ['regions'],
        summary: 'Import units: GeoJSON (JSON body or file), a zipped or .shp-set Shapefile, or an NBS division CSV (multipart)',
        querystring: ImportQuery,
        body: { content: { 'application/json': { schema: FeatureCollectionBody } } },
        response: { 200: ImportSummarySchema },
      },
    },
    async (req) => {
      policy.importAny(req.actor);
      const q = req.query as Static<typeof ImportQuery>;
      const o: ImportOptions = { codeProp: q.codeProp, nameProp: q.nameProp, level: q.level, crs: q.crs, onInvalid: q.onInvalid, dryRun: q.dryRun };
      if (q.parent !== undefined) {
        const pc = normalizeCode(q.parent);
        if (!pc) throw invalid('parent', 'must be a region code of 6, 9, 12, 15 or 17 digits');
        const parent = await findCurrentByCode(db, pc);
        if (!parent || !policy.canImportAt(req.actor, parent.path)) throw new AppError('region_not_found', `No region has the code ${pc}.`);
        o.parent = pc;
      }
      let files: InputFile[];
      let source: string;
      if (req.isMultipart()) {
        files = [];
        for await (const part of req.parts()) {
          if (part.type === 'file') files.push({ name: part.filename || part.fieldname, data: await part.toBuffer() });
        }
        if (files.length === 0) throw invalid('file', 'is required: upload the file as a multipart part');
        source = files.map((f) => f.name).join('+');
      } else {
        if (req.body === undefined || req.body === null) throw invalid('body', 'is required: a GeoJSON FeatureCollection, or a multipart upload');
        files = [{ name: 'body.geojson', data: new TextEncoder().encode(JSON.stringify(req.body)) }];
        source = 'request body';
      }
      const features = await readImportFiles(files, o, q.format);
      const summary = await importRegions(db, req.ctx(), features, { ...o, source });
      if (!summary.dryRun) void refreshLocateIndex(db).catch((e: unknown) => req.log.error({ err: e }, 'rebuilding the locate index failed'));
      return summary;
    },
  );

  app.get(
    '/api/regions/:code/staff',
    {
      config: { policy: 'regions.staff.read' },
      schema: {
        tags: ['regions'],
        summary: 'People staffing the unit and the grids below it',
        params: CodeParam,
        querystring: Type.Object({
          role: Type.Optional(Enum(STAFF_ROLES)),
          includeEnded: Type.Optional(Type.Boolean({ default: false })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        }),
        response: { 200: StaffListResponse },
      },
    },
    async (req) => {
      const { code } = req.params as Static<typeof CodeParam>;
      const q = req.query as { role?: (typeof STAFF_ROLES)[number]; includeEnded?: boolean; limit?: number; offset?: number };
      const r = await svc.listStaff(db, req.actor, code, {
        ...(q.role ? { role: q.role } : {}),
        includeEnded: q.includeEnded ?? false,
        limit: q.limit ?? 200,
        offset: q.offset ?? 0,
        now: req.ctx().now,
      });
      return { region: link(r.region), total: r.total, items: r.items.map((s) => presentStaff(s, req.actor)) };
    },
  );

  app.post(
    '/api/regions/:code/staff',
    {
      config: { policy: 'regions.staff.write' },
      schema: { tags: ['regions'], summary: 'Assign a person to a grid or micro-grid', params: CodeParam, body: StaffBody, response: { 201: StaffSchema } },
    },
    async (req, reply) => {
      const { code } = req.params as Static<typeof CodeParam>;
      const s = await svc.assignStaff(db, req.ctx(), code, req.body as Static<typeof StaffBody>);
      return reply.status(201).send(presentStaff(s, req.actor));
    },
  );

  app.get(
    '/api/regions/:code/staff/summary',
    {
      config: { policy: 'public', rateLimit: BROWSE_LIMIT },
      schema: { tags: ['regions'], summary: 'Staff counts by role, rolled up, for the unit and each child', params: CodeParam, response: { 200: StaffSummaryResponse } },
    },
    async (req) => {
      const { code } = req.params as Static<typeof CodeParam>;
      const s = await svc.staffSummary(db, code, req.ctx().now);
      return { region: link(s.region), total: s.total, byRole: s.byRole, children: s.children };
    },
  );
}

/**
 * HTTP routes of the cases module: validate → policy → service/command → presenter. Every workflow
 * step is its own route, POST /api/cases/:id/<action>, generated from the command list so that
 * OpenAPI shows each step's body.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { inOneWrite, inTx } from '../../platform/context.js';
import { AppError, invalid } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { geocodeAddress, locatePoint, type Crs } from '../regions/index.js';
import { fileStoreFor } from './cases.files.js';
import { COMMANDS } from './commands/index.js';
import { mayList, isStaff } from './cases.policy.js';
import * as present from './cases.presenter.js';
import * as repo from './cases.repository.js';
import * as svc from './cases.service.js';
import { ACTIONS, STATES } from './cases.states.js';
import { CHANNELS, CRS } from './cases.types.js';

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const lit = <T extends readonly string[]>(xs: T) => Type.Union(xs.map((x) => Type.Literal(x)));

export const IntakeBody = Type.Object(
  {
    channel: lit(CHANNELS),
    categoryCode: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.String({ minLength: 2, maxLength: 4000 }),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    location: Type.Optional(
      Type.Object(
        {
          lng: Type.Number({ minimum: -180, maximum: 180 }),
          lat: Type.Number({ minimum: -90, maximum: 90 }),
          crs: Type.Optional(lit(CRS)),
        },
        { additionalProperties: false },
      ),
    ),
    address: Type.Optional(Type.String({ minLength: 2, maxLength: 500 })),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    anonymous: Type.Optional(Type.Boolean()),
    reporterName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    reporterPhone: Type.Optional(Type.String({ pattern: '^[0-9+-]{5,20}$' })),
    responseLevel: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)])),
    cityCode: Type.Optional(Type.String({ pattern: '^[0-9]{12}$' })),
  },
  { additionalProperties: false },
);

const ListQuery = Type.Object({
  state: Type.Optional(Type.Array(lit(STATES), { maxItems: STATES.length })),
  category: Type.Optional(Type.String({ maxLength: 64 })),
  regionCode: Type.Optional(Type.String({ pattern: '^[0-9]{12}([0-9]{3}([0-9]{2})?)?$' })),
  departmentId: Type.Optional(Type.Integer({ minimum: 1 })),
  responseLevel: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
  overdue: Type.Optional(Type.Boolean()),
  outOfRegion: Type.Optional(Type.Boolean({ description: 'reported at a point outside every region' })),
  hasDuplicates: Type.Optional(Type.Boolean({ description: 'an earlier open case of the same category lies nearby (the intake duplicate check)' })),
  rework: Type.Optional(Type.Boolean({ description: 'sent back for rework (返工) at least once' })),
  channel: Type.Optional(lit(CHANNELS)),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  mine: Type.Optional(Type.Boolean()),
  cursor: Type.Optional(Type.String({ maxLength: 100 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});

const MapQuery = Type.Object({
  bbox: Type.String({ pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$', description: 'minLng,minLat,maxLng,maxLat (WGS-84)' }),
  zoom: Type.Integer({ minimum: 0, maximum: 22 }),
  state: Type.Optional(Type.Array(lit(STATES), { maxItems: STATES.length })),
  category: Type.Optional(Type.String({ maxLength: 64 })),
});

/**
 * 60 reports a minute per person or IP stops abuse of the public form; an integration (the 12345
 * hotline system, a police transfer gateway) authenticated by an API key carries a whole city's
 * intake and gets a ceiling a hundred times higher.
 */
const INTAKE_RATE_LIMIT = {
  max: (req: { actor?: { kind: string } }) => (req.actor?.kind === 'api_key' ? 6000 : 60),
  timeWindow: '1 minute',
  hook: 'preHandler' as const,
  keyGenerator: (req: { actor?: { kind: string; id?: number }; ip: string }) =>
    req.actor && (req.actor.kind === 'user' || req.actor.kind === 'api_key') ? `${req.actor.kind}:${req.actor.id}` : `ip:${req.ip}`,
};

/** How intake located the case: the source, and for an address the geocoder's reading of it. */
function presentLocation(l: svc.IntakeResult['location']) {
  const g = l.geocode;
  return {
    source: l.source,
    confidence: l.confidence,
    geocode: g && {
      status: g.status,
      normalized: g.normalized,
      matches: g.matches.map((m) => ({ text: m.text, kind: m.kind })),
      candidates: g.candidates.map((c) => ({ code: c.code, name: c.name, level: c.level, chainNames: c.chainNames })),
    },
  };
}

export async function caseRoutes(app: FastifyInstance, { db, config }: AppDeps): Promise<void> {
  app.post(
    '/api/cases',
    {
      config: { policy: 'cases.intake', rateLimit: INTAKE_RATE_LIMIT },
      schema: {
        tags: ['cases'],
        summary: 'Report a problem (every channel); Idempotency-Key makes retries safe',
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }),
        body: IntakeBody,
      },
    },
    async (req, reply) => {
      const body = req.body as Static<typeof IntakeBody>;
      const key = req.headers['idempotency-key'] as string | undefined;
      const ctx = req.ctx();
      // Locate in memory before the transaction opens: no database round trip, a shorter
      // transaction. (Intake falls back to PostGIS when a caller passes no located chain.)
      const loc = body.location ? await locatePoint(db, body.location.lng, body.location.lat, (body.location.crs ?? 'wgs84') as Crs) : undefined;
      // Likewise an address-only report is geocoded (region names in memory) before it opens.
      const geocoded = !body.location && body.address?.trim() ? await geocodeAddress(db, body.address, { cityCode: body.cityCode }) : undefined;
      // A report is one write statement, atomic on its own: no transaction around it unless more
      // may be written with it (an Idempotency-Key claimed with it, a category that dispatches itself).
      const oneWrite = !key && !(await svc.mayAutoDispatch(db, body.categoryCode));
      const out = await (oneWrite ? inOneWrite : inTx)(db, ctx, (c) =>
        svc.withIdempotency(c, key, body, async () => {
          const r = await svc.intake(c, { ...(body as svc.IntakeInput), ...(loc !== undefined ? { located: loc } : {}), ...(geocoded ? { geocoded } : {}), oneWrite });
          const attachments: never[] = [];
          const staff = isStaff(c.actor);
          return {
            status: 201,
            body: {
              case: present.presentCase(c.actor, r.case, { attachments, reporters: r.reporters }),
              duplicates: r.duplicates.filter((d) => staff || !d.private).map((d) => present.presentDuplicate(c.actor, d, staff)),
              autoDispatched: r.autoDispatched,
              location: presentLocation(r.location),
            },
          };
        }),
      );
      if (out.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(out.status).send(out.body);
    },
  );

  app.get(
    '/api/cases',
    { config: { policy: 'cases.list' }, schema: { tags: ['cases'], summary: 'Cases in my scope (residents: my reports), newest first, keyset-paginated', querystring: ListQuery } },
    async (req) => {
      mayList(req.actor);
      const q = req.query as Static<typeof ListQuery>;
      let regionPath: string | undefined;
      if (q.regionCode) {
        const r = await repo.regionByCode(db, q.regionCode);
        if (!r) throw invalid('regionCode', `no region ${q.regionCode}`);
        regionPath = r.path;
      }
      const limit = q.limit ?? 50;
      const rows = await repo.listCases(db, req.actor, {
        ...(q.state ? { state: q.state } : {}),
        ...(q.category ? { category: q.category } : {}),
        ...(regionPath ? { regionPath } : {}),
        ...(q.departmentId !== undefined ? { departmentId: q.departmentId } : {}),
        ...(q.responseLevel !== undefined ? { responseLevel: q.responseLevel } : {}),
        ...(q.overdue !== undefined ? { overdue: q.overdue } : {}),
        ...(q.outOfRegion !== undefined ? { outOfRegion: q.outOfRegion } : {}),
        ...(q.hasDuplicates !== undefined ? { hasDuplicates: q.hasDuplicates } : {}),
        ...(q.rework !== undefined ? { rework: q.rework } : {}),
        ...(q.channel ? { channel: q.channel } : {}),
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
        ...(q.q ? { q: q.q } : {}),
        ...(q.mine ? { mine: true } : {}),
        ...(q.cursor ? { cursor: svc.decodeCursor(q.cursor) } : {}),
        limit: limit + 1,
      });
      const page = rows.slice(0, limit);
      return { items: page.map(present.presentCaseSummary), nextCursor: rows.length > limit ? svc.encodeCursor(page[page.length - 1]!) : null };
    },
  );

  app.get(
    '/api/cases/map',
    { config: { policy: 'cases.list' }, schema: { tags: ['cases'], summary: 'GeoJSON of cases in a bounding box; clustered below zoom 14', querystring: MapQuery } },
    async (req, reply) => {
      mayList(req.actor);
      const q = req.query as Static<typeof MapQuery>;
      const b = q.bbox.split(',').map(Number) as [number, number, number, number];
      if (b.some((x) => !Number.isFinite(x)) || b[0] >= b[2] || b[1] >= b[3]) throw invalid('bbox', 'must be minLng,minLat,maxLng,maxLat with min < max');
      // A cell of about 1/8 of a 256-px tile at this zoom; points from zoom 14 on.
      const cell = q.zoom >= 14 ? null : 360 / 2 ** q.zoom / 8;
      const pts = await repo.mapCases(db, req.actor, b, cell, { ...(q.state ? { state: q.state } : {}), ...(q.category ? { category: q.category } : {}) });
      void reply.type('application/geo+json');
      return {
        type: 'FeatureCollection',
        features: pts.map((p) => ({
          type: 'Feature',
          geometry: { type: 'Point', coordinates: [p.lng, p.lat] },
          properties: p.count === 1 && p.id !== null
            ? { cluster: false, count: 1, id: p.id, publicId: p.public_id, state: p.state, categoryCode: p.category_code }
            : { cluster: true, count: p.count },
        })),
      };
    },
  );

  app.get(
    '/api/cases/:id',
    { config: { policy: 'cases.read' }, schema: { tags: ['cases'], summary: 'A case with the actions I may take next', params: IdParams } },
    async (req) => {
      const { id } = req.params as Static<typeof IdParams>;
      const d = await svc.caseDetail(db, req.actor, id);
      return present.presentCase(req.actor, d.k, { attachments: d.attachments, reporters: d.reporters });
    },
  );

  app.get(
    '/api/cases/:id/timeline',
    { config: { policy: 'cases.read' }, schema: { tags: ['cases'], summary: 'The case timeline (full for staff, public for reporters)', params: IdParams } },
    async (req) => {
      const { id } = req.params as Static<typeof IdParams>;
      const t = await svc.timeline(db, req.actor, id);
      return { items: t.full ? t.events.map(present.presentEvent) : t.events.map(present.presentPublicEvent), full: t.full };
    },
  );

  const DupQuery = Type.Object({
    radiusM: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    windowHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 8760 })),
  });
  app.get(
    '/api/cases/:id/duplicates',
    { config: { policy: 'cases.read' }, schema: { tags: ['cases'], summary: 'Open cases of the same category nearby (default 250 m)', params: IdParams, querystring: DupQuery } },
    async (req) => {
      const { id } = req.params as Static<typeof IdParams>;
      const q = req.query as Static<typeof DupQuery>;
      const rows = await svc.duplicatesOf(db, req.actor, id, q.radiusM, q.windowHours);
      const staff = isStaff(req.actor);
      return { items: rows.map((d) => present.presentDuplicate(req.actor, d, staff)) };
    },
  );

  app.get(
    '/api/cases/:id/routing-suggestion',
    { config: { policy: 'cases.dispatch' }, schema: { tags: ['cases'], summary: 'The routing rule that would choose the department', params: IdParams } },
    async (req) => {
      const { id } = req.params as Static<typeof IdParams>;
      const s = await svc.routingSuggestion(db, req.actor, id);
      return {
        rule: s.rule ? { id: s.rule.id, categoryCode: s.rule.category_code, regionCode: s.rule.region_code, regionName: s.rule.region_name, responseLevel: s.rule.response_level } : null,
        leadDepartmentId: s.rule?.lead_department_id ?? null,
        coDepartmentIds: s.rule?.co_department_ids ?? [],
        departments: s.departments.map((d) => ({ id: d.id, code: d.code, name: d.name })),
      };
    },
  );

  for (const action of ACTIONS) {
    const cmd = COMMANDS[action];
    app.post(
      `/api/cases/:id/${action}`,
      { config: { policy: `cases.${action}` }, schema: { tags: ['cases: workflow'], summary: cmd.summary, params: IdParams, body: cmd.body } },
      async (req) => {
        const { id } = req.params as Static<typeof IdParams>;
        const after = await svc.runAction(db, req.ctx(), id, action, (req.body ?? {}) as Record<string, unknown>);
        const d = await svc.caseDetail(db, req.actor, id).catch(() => null);
        // After a step the actor may no longer see the case (a handler after returning it).
        if (!d) return { id: after.id, publicId: after.public_id, state: after.state, version: after.version, actions: [] };
        return present.presentCase(req.actor, d.k, { attachments: d.attachments, reporters: d.reporters });
      },
    );
  }

  app.post(
    '/api/cases/:id/attachments',
    {
      config: { policy: 'cases.attach' },
      schema: { tags: ['cases'], summary: 'Upload photos (multipart: field `kind` = report|evidence|verification, then file parts)', params: IdParams, consumes: ['multipart/form-data'] },
    },
    async (req, reply) => {
      const { id } = req.params as Static<typeof IdParams>;
      if (!req.isMultipart()) throw new AppError('unsupported_media_type', 'body: send multipart/form-data');
      let kind: svc.AttachmentKind = 'report';
      const files: { field: string; fileName: string | null; bytes: Buffer }[] = [];
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          const bytes = await part.toBuffer();
          if (part.file.truncated) throw new AppError('payload_too_large', `${part.fieldname}: the file is too large`, [{ field: part.fieldname }]);
          files.push({ field: part.fieldname, fileName: part.filename ?? null, bytes });
        } else if (part.fieldname === 'kind') {
          const v = String(part.value);
          if (v !== 'report' && v !== 'evidence' && v !== 'verification') throw invalid('kind', 'must be report, evidence or verification');
          if (files.length > 0) throw invalid('kind', 'must come before the file parts');
          kind = v;
        }
      }
      const rows = await svc.addAttachments(db, req.ctx(), fileStoreFor(config), id, kind, files);
      return reply.status(201).send({ items: rows.map((a) => present.presentAttachment(a, true)) });
    },
  );

  app.get(
    '/api/files/:sha256',
    {
      config: { policy: 'public' },
      schema: { tags: ['cases'], summary: 'A stored file, to those who may see it (public copy for public cases)', params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) },
    },
    async (req, reply) => {
      const { sha256 } = req.params as { sha256: string };
      const f = await svc.fileFor(db, req.actor, fileStoreFor(config), sha256);
      void reply.header('x-content-type-options', 'nosniff').header('cache-control', 'private, max-age=3600').header('content-security-policy', "default-src 'none'");
      return reply.type(f.mime).send(f.bytes);
    },
  );

  const PublicParams = Type.Object({ publicId: Type.String({ pattern: '^[A-Z0-9]{2,8}-[0-9]{8}-[0-9]{6}$' }) });
  app.get(
    '/api/public/cases/:publicId',
    { config: { policy: 'public' }, schema: { tags: ['public'], summary: 'The public (redacted) view of a case', params: PublicParams } },
    async (req) => {
      const { publicId } = req.params as Static<typeof PublicParams>;
      const p = await svc.publicCase(db, publicId);
      return { ...present.presentPublicCase(p.k, p.cat, p.attachments), mergedInto: p.mergedInto };
    },
  );
  app.get(
    '/api/public/cases/:publicId/timeline',
    { config: { policy: 'public' }, schema: { tags: ['public'], summary: 'The public (redacted) timeline of a case', params: PublicParams } },
    async (req) => {
      const { publicId } = req.params as Static<typeof PublicParams>;
      const p = await svc.publicCase(db, publicId);
      return { items: p.events.map(present.presentPublicEvent) };
    },
  );
}

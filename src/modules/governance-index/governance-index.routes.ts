/** /api/index/*: thin handlers (schema → policy → service/command → presenter). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { computeSnapshot, ComputeOptionsSchema } from './compute.service.js';
import { createFramework, FRAMEWORK_CODE_PATTERN, FrameworkTreeSchema, getFramework, type FrameworkTree } from './framework.service.js';
import * as repo from './governance-index.repository.js';
import { importIndicators } from './import.service.js';
import { allowedActions, authorize } from './governance-index.policy.js';
import { PERIOD_PATTERN } from './periods.js';
import { indicatorCatalogue } from './providers/index.js';
import { INDEX_LEVELS, type IndexLevel } from './providers/types.js';
import { buildReportHtml, buildReportXlsx, renderPdf } from './report.js';
import { geojsonView, listSnapshotsFor, regionView, reportData, snapshotView, trendView } from './snapshot.service.js';

const Id = Type.Integer({ minimum: 1, maximum: 9_007_199_254_740_991 });
const RegionCode = Type.String({ pattern: '^[0-9]{12}([0-9]{3}([0-9]{2})?)?$', description: '12-digit NBS code (grids 15, micro-grids 17 digits)' });
const Period = Type.String({ pattern: PERIOD_PATTERN, description: "'2026', '2026-Q3' or '2026-11'" });
const Level = Type.Union(INDEX_LEVELS.map((l) => Type.Literal(l)));
const FrameworkCode = Type.String({ pattern: FRAMEWORK_CODE_PATTERN });
const Loose = Type.Object({}, { additionalProperties: true });

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function frameworkJson(f: repo.FrameworkRow & { versions?: number }) {
  return {
    code: f.code,
    version: f.version,
    nameZh: f.nameZh,
    nameEn: f.nameEn,
    description: f.description,
    builtin: f.builtin,
    createdBy: f.createdByName,
    createdAt: f.createdAt.toISOString(),
    ...(f.versions !== undefined ? { versions: f.versions } : {}),
    tree: f.tree,
  };
}

/** The uploaded file: multipart field `file` (+ optional `note`), or the raw body as text/csv or XLSX. */
async function uploadedFile(req: FastifyRequest): Promise<{ buffer: Buffer; fileName?: string; mime?: string; note?: string }> {
  if (req.isMultipart()) {
    let file: { buffer: Buffer; fileName?: string; mime?: string } | undefined;
    let note: string | undefined;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || file) {
          await part.toBuffer();
          throw new AppError('validation_failed', `${part.fieldname}: send one file, in the field "file"`, [{ field: part.fieldname, problem: 'unexpected file field' }]);
        }
        file = { buffer: await part.toBuffer(), fileName: part.filename, mime: part.mimetype };
      } else if (part.fieldname === 'note' && typeof part.value === 'string') {
        note = part.value.slice(0, 500);
      }
    }
    if (!file) throw new AppError('validation_failed', 'file: is required (multipart field "file")', [{ field: 'file', problem: 'is required' }]);
    return note === undefined ? file : { ...file, note };
  }
  const body = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('validation_failed', 'file: is required (multipart field "file", or a text/csv or XLSX body)', [{ field: 'file', problem: 'is required' }]);
  const mime = String(req.headers['content-type'] ?? '');
  return { buffer: body, mime };
}

function sendFile(reply: FastifyReply, buf: Buffer, mime: string, name: string) {
  return reply
    .header('content-type', mime)
    .header('content-disposition', `attachment; filename="${name.replace(/[^\x20-\x7e]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`)
    .send(buf);
}

export async function governanceIndexRoutes(app: FastifyInstance, { db }: AppDeps): Promise<void> {
  // Raw uploads for the import (multipart is parsed by @fastify/multipart); encapsulated in this plugin.
  for (const type of ['text/csv', XLSX_MIME, 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }

  app.get(
    '/api/index/indicators',
    {
      config: { policy: 'index.read' },
      schema: { tags: ['index'], summary: 'The indicator catalogue: computed from live data, planned, imported', response: { 200: Loose } },
    },
    async (req) => {
      authorize(req.actor, 'index.read');
      return { items: indicatorCatalogue(), actions: allowedActions(req.actor) };
    },
  );

  app.post(
    '/api/index/indicators/import',
    {
      config: { policy: 'index.indicators.import' },
      schema: {
        tags: ['index'],
        summary: 'Import indicator values (CSV or XLSX; long: region_code, period, indicator_code, value; or wide: one column per indicator)',
        description: 'multipart/form-data with a field "file" (and optional "note"), or the file as the body (text/csv or XLSX). Any bad row → 400 naming the row and column; nothing is written.',
        response: { 200: Loose },
      },
    },
    async (req) => {
      authorize(req.actor, 'index.indicators.import');
      const file = await uploadedFile(req);
      return importIndicators(db, req.ctx(), file);
    },
  );

  app.get(
    '/api/index/frameworks',
    { config: { policy: 'index.read' }, schema: { tags: ['index'], summary: 'Index frameworks (latest version of each)', response: { 200: Loose } } },
    async (req) => {
      authorize(req.actor, 'index.read');
      return { items: (await repo.listFrameworks(db)).map(frameworkJson) };
    },
  );

  app.get(
    '/api/index/frameworks/:code',
    {
      config: { policy: 'index.read' },
      schema: {
        tags: ['index'],
        summary: 'One framework (latest version, or ?version=)',
        params: Type.Object({ code: FrameworkCode }),
        querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }),
        response: { 200: Loose },
      },
    },
    async (req) => {
      authorize(req.actor, 'index.read');
      const { code } = req.params as { code: string };
      const { version } = req.query as { version?: number };
      return frameworkJson(await getFramework(db, code, version));
    },
  );

  app.post(
    '/api/index/frameworks',
    {
      config: { policy: 'index.frameworks.create' },
      schema: {
        tags: ['index'],
        summary: 'Define a framework (or a new version of an existing code)',
        body: Type.Object(
          {
            code: FrameworkCode,
            nameZh: Type.String({ minLength: 1, maxLength: 200 }),
            nameEn: Type.String({ minLength: 1, maxLength: 200 }),
            description: Type.Optional(Type.String({ maxLength: 4000 })),
            tree: FrameworkTreeSchema,
          },
          { additionalProperties: false },
        ),
        response: { 201: Loose },
      },
    },
    async (req, reply) => {
      const b = req.body as { code: string; nameZh: string; nameEn: string; description?: string; tree: FrameworkTree };
      const row = await createFramework(db, req.ctx(), b);
      return reply.status(201).send(frameworkJson(row));
    },
  );

  app.post(
    '/api/index/snapshots',
    {
      config: { policy: 'index.compute' },
      schema: {
        tags: ['index'],
        summary: 'Compute and store a snapshot of the index for (framework, period, level)',
        body: Type.Object(
          {
            framework: FrameworkCode,
            version: Type.Optional(Type.Integer({ minimum: 1 })),
            period: Period,
            level: Level,
            scope: Type.Optional(RegionCode),
            options: Type.Optional(ComputeOptionsSchema),
          },
          { additionalProperties: false },
        ),
        response: { 201: Loose },
      },
    },
    async (req, reply) => {
      const b = req.body as { framework: string; version?: number; period: string; level: IndexLevel; scope?: string; options?: Record<string, unknown> };
      const s = await computeSnapshot(db, req.ctx(), b);
      return reply.status(201).send(s);
    },
  );

  app.get(
    '/api/index/snapshots',
    {
      config: { policy: 'index.read' },
      schema: {
        tags: ['index'],
        summary: 'Snapshots whose units overlap my regions, newest first',
        querystring: Type.Object({
          framework: Type.Optional(FrameworkCode),
          period: Type.Optional(Period),
          level: Type.Optional(Level),
          before: Type.Optional(Type.Integer({ minimum: 1, description: 'keyset cursor: snapshots with id below this' })),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
        }),
        response: { 200: Loose },
      },
    },
    async (req) => listSnapshotsFor(db, req.actor, req.query as { framework?: string; period?: string; level?: string; before?: number; limit?: number }),
  );

  app.get(
    '/api/index/snapshots/:id',
    {
      config: { policy: 'index.read' },
      schema: { tags: ['index'], summary: 'Ranking table with rank intervals and every dimension (rows of my regions)', params: Type.Object({ id: Id }), response: { 200: Loose } },
    },
    async (req) => snapshotView(db, req.actor, (req.params as { id: number }).id),
  );

  app.get(
    '/api/index/snapshots/:id/regions/:code',
    {
      config: { policy: 'index.read' },
      schema: {
        tags: ['index'],
        summary: "One region's dimensions and indicators against a benchmark (radar chart)",
        params: Type.Object({ id: Id, code: RegionCode }),
        querystring: Type.Object({
          benchmark: Type.Optional(Type.Union([Type.Literal('mean'), RegionCode], { description: "'mean' (the mean over the snapshot's units, default) or a unit's region code" })),
        }),
        response: { 200: Loose },
      },
    },
    async (req) => {
      const p = req.params as { id: number; code: string };
      return regionView(db, req.actor, p.id, p.code, (req.query as { benchmark?: string }).benchmark ?? 'mean');
    },
  );

  app.get(
    '/api/index/snapshots/:id/geojson',
    {
      config: { policy: 'index.read' },
      schema: {
        tags: ['index'],
        summary: 'Choropleth: simplified boundaries with the index and every dimension',
        params: Type.Object({ id: Id }),
        querystring: Type.Object({ tolerance: Type.Optional(Type.Number({ minimum: 0, maximum: 0.1, default: 0.001, description: 'simplification tolerance in degrees (0: none)' })) }),
        response: { 200: Loose },
      },
    },
    async (req, reply) => {
      const body = await geojsonView(db, req.actor, (req.params as { id: number }).id, (req.query as { tolerance?: number }).tolerance ?? 0.001);
      void reply.header('content-type', 'application/geo+json; charset=utf-8');
      return body;
    },
  );

  app.get(
    '/api/index/snapshots/:id/report.xlsx',
    { config: { policy: 'index.read' }, schema: { tags: ['index'], summary: '社会治理现代化指数报告 (Excel)', params: Type.Object({ id: Id }) } },
    async (req, reply) => {
      const d = await reportData(db, req.actor, (req.params as { id: number }).id);
      return sendFile(reply, await buildReportXlsx(d), XLSX_MIME, `社会治理现代化指数报告-${d.head.period}-${d.head.level}-${d.head.id}.xlsx`);
    },
  );

  app.get(
    '/api/index/snapshots/:id/report.pdf',
    { config: { policy: 'index.read' }, schema: { tags: ['index'], summary: '社会治理现代化指数报告 (PDF; 503 report_unavailable without Chromium)', params: Type.Object({ id: Id }) } },
    async (req, reply) => {
      const d = await reportData(db, req.actor, (req.params as { id: number }).id);
      return sendFile(reply, await renderPdf(buildReportHtml(d)), 'application/pdf', `社会治理现代化指数报告-${d.head.period}-${d.head.level}-${d.head.id}.pdf`);
    },
  );

  app.get(
    '/api/index/trend',
    {
      config: { policy: 'index.read' },
      schema: {
        tags: ['index'],
        summary: "A region's index and dimensions over periods (newest snapshot of each period)",
        querystring: Type.Object({
          framework: FrameworkCode,
          region: RegionCode,
          level: Type.Optional(Level),
          grain: Type.Optional(Type.Union([Type.Literal('year'), Type.Literal('quarter'), Type.Literal('month')])),
        }),
        response: { 200: Loose },
      },
    },
    async (req) => trendView(db, req.actor, req.query as { framework: string; region: string; level?: IndexLevel; grain?: 'year' | 'quarter' | 'month' }),
  );
}

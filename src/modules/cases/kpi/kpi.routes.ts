/** KPI and supervision-ticket endpoints: validate → policy (in the service, region-scoped) → service → presenter. */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../types.js';
import { kpiCsv, kpiXlsx } from './export.js';
import { closeSupervisionTicket, kpiRankings, kpiSummary, kpiTable, listSupervisionTickets, RANK_METRICS, type KpiBy, type RankMetric } from './kpi.service.js';

const RegionCode = Type.String({ pattern: '^[0-9]{12}([0-9]{3}([0-9]{2})?)?$', description: 'region code (NBS, 12 digits; grids longer); default: your own region' });
const Day = (what: string) => Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: `${what} (Asia/Shanghai date, inclusive)` });
const BY = ['region', 'department', 'category', 'channel', 'day', 'week', 'month'] as const;
const LEVELS = ['district', 'street', 'community', 'grid', 'microgrid'] as const;

const windowQuery = {
  region: Type.Optional(RegionCode),
  from: Type.Optional(Day('first day of the reporting window; default: the first of this month')),
  to: Type.Optional(Day('last day of the window; default: today')),
};
const tableQuery = Type.Object(
  {
    ...windowQuery,
    by: Type.Union(BY.map((b) => Type.Literal(b)), { description: 'grouping: sub-regions, lead department, category, channel, or period' }),
    level: Type.Optional(Type.Union(LEVELS.map((l) => Type.Literal(l)), { description: 'with by=region: units at this level instead of the children' })),
  },
  { additionalProperties: false },
);

type TableQ = { region?: string; from?: string; to?: string; by: KpiBy; level?: string };

export async function kpiRoutes(app: FastifyInstance, { db }: AppDeps): Promise<void> {
  app.get(
    '/api/kpi/summary',
    {
      config: { policy: 'kpi.view' },
      schema: {
        tags: ['kpi'],
        summary: 'Command-centre tiles: intake today, disposal, on-time and satisfaction rates, open and overdue cases',
        querystring: Type.Object(windowQuery, { additionalProperties: false }),
      },
    },
    async (req) => {
      const q = req.query as { region?: string; from?: string; to?: string };
      const ctx = req.ctx();
      return kpiSummary(db, req.actor, q, ctx.now);
    },
  );

  app.get(
    '/api/kpi',
    {
      config: { policy: 'kpi.view' },
      schema: { tags: ['kpi'], summary: 'Every KPI of docs/kpi-definitions.md, grouped by region, department, category, channel, day, week or month', querystring: tableQuery },
    },
    async (req) => kpiTable(db, req.actor, req.query as TableQ, req.ctx().now),
  );

  const exportTitle = (r: Awaited<ReturnType<typeof kpiTable>>) => `KPI ${r.region.name} (${r.region.code}) ${r.window.from} – ${r.window.to}, by ${r.by}`;
  const fileName = (r: Awaited<ReturnType<typeof kpiTable>>, ext: string) => `kpi-${r.region.code}-${r.by}-${r.window.from}-${r.window.to}.${ext}`;

  app.get(
    '/api/kpi/export.csv',
    { config: { policy: 'kpi.export' }, schema: { tags: ['kpi'], summary: 'The KPI table as CSV (UTF-8 with BOM)', querystring: tableQuery } },
    async (req, reply) => {
      const r = await kpiTable(db, req.actor, req.query as TableQ, req.ctx().now);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${fileName(r, 'csv')}"`)
        .send(kpiCsv({ title: exportTitle(r), by: r.by, rows: r.rows, total: r.total }));
    },
  );

  app.get(
    '/api/kpi/export.xlsx',
    { config: { policy: 'kpi.export' }, schema: { tags: ['kpi'], summary: 'The KPI table as an Excel workbook', querystring: tableQuery } },
    async (req, reply) => {
      const r = await kpiTable(db, req.actor, req.query as TableQ, req.ctx().now);
      return reply
        .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${fileName(r, 'xlsx')}"`)
        .send(await kpiXlsx({ title: exportTitle(r), by: r.by, rows: r.rows, total: r.total }));
    },
  );

  app.get(
    '/api/kpi/rankings',
    {
      config: { policy: 'kpi.view' },
      schema: {
        tags: ['kpi'],
        summary: 'Sub-regions and departments ranked by a KPI (rates without cases rank last)',
        querystring: Type.Object(
          {
            ...windowQuery,
            level: Type.Optional(Type.Union(LEVELS.map((l) => Type.Literal(l)), { description: 'rank the units at this level; default: the children' })),
            metric: Type.Optional(Type.Union(RANK_METRICS.map((m) => Type.Literal(m)), { description: 'default onTime' })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => kpiRankings(db, req.actor, req.query as { region?: string; from?: string; to?: string; level?: string; metric?: RankMetric }, req.ctx().now),
  );

  app.get(
    '/api/supervision-tickets',
    {
      config: { policy: 'supervision.list' },
      schema: {
        tags: ['kpi'],
        summary: 'Supervision tickets (督办单) in my scope, newest first',
        querystring: Type.Object(
          {
            region: Type.Optional(RegionCode),
            open: Type.Optional(Type.Boolean()),
            before: Type.Optional(Type.Integer({ minimum: 1, description: 'keyset cursor: tickets with id below this' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => listSupervisionTickets(db, req.actor, req.query as { region?: string; open?: boolean; before?: number; limit?: number }),
  );

  app.post(
    '/api/supervision-tickets/:id/close',
    {
      config: { policy: 'supervision.close' },
      schema: {
        tags: ['kpi'],
        summary: 'Close a supervision ticket with a note (audited)',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
        body: Type.Object({ note: Type.String({ minLength: 2, maxLength: 2000, description: 'what was done about it' }) }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const { id } = req.params as { id: number };
      const { note } = req.body as { note: string };
      return closeSupervisionTicket(db, req.ctx(), id, note);
    },
  );
}

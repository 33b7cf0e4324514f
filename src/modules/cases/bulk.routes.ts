/**
 * Bulk triage (批量处理): one request runs the same step on up to 100 cases. Each case's step is
 * its own command in its own transaction, through the same runner as POST /api/cases/:id/<action>
 * (scope, state machine, policy, audit): one case failing (409 because someone else moved it, 404
 * outside the actor's scope) leaves the others done. The answer is 200 with one result per id.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import type { Ctx } from '../../platform/context.js';
import type { Database } from '../../platform/db.js';
import { invalid, isAppError } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { COMMANDS } from './commands/index.js';
import { mayBulk } from './cases.policy.js';
import * as svc from './cases.service.js';

/** The triage steps that make sense on many cases at once: 受理, 派遣, 分类 (response level). */
export const BULK_ACTIONS = ['accept', 'dispatch', 'classify'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

const BulkBody = Type.Object(
  {
    action: Type.Union(BULK_ACTIONS.map((a) => Type.Literal(a))),
    ids: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 100, uniqueItems: true }),
    body: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "the step's body, as in POST /api/cases/:id/<action> (without version)" })),
  },
  { additionalProperties: false },
);

export type BulkResult =
  | { id: number; ok: true; state: string; version: number; publicId: string }
  | { id: number; ok: false; error: { code: string; message: string; status: number; details?: unknown } };

export async function runBulk(db: Database, ctx: Ctx, action: BulkAction, ids: readonly number[], body: Record<string, unknown>): Promise<BulkResult[]> {
  mayBulk(ctx.actor);
  // Versions differ from case to case; a bulk step acts on each case as it is now.
  if ('version' in body) throw invalid('body.version', 'is not accepted in a bulk step');
  const schema = COMMANDS[action].body;
  const first = Value.Errors(schema, body).First();
  if (first) throw invalid(`body${first.path.replace(/\//g, '.')}`, first.message);
  const out: BulkResult[] = [];
  for (const id of ids) {
    try {
      const k = await svc.runAction(db, ctx, id, action, body);
      out.push({ id, ok: true, state: k.state, version: k.version, publicId: k.public_id });
    } catch (e) {
      if (!isAppError(e)) throw e;
      // details say what the UI can put in words: for a 409, the state the case is in now.
      out.push({ id, ok: false, error: { code: e.code, message: e.message, status: e.status, ...(e.details !== undefined ? { details: e.details } : {}) } });
    }
  }
  return out;
}

export async function bulkRoutes(app: FastifyInstance, { db }: AppDeps): Promise<void> {
  app.post(
    '/api/cases/bulk',
    {
      config: { policy: 'cases.bulk' },
      schema: { tags: ['cases: workflow'], summary: 'Run one triage step (accept, dispatch, classify) on up to 100 cases; one result per id', body: BulkBody },
    },
    async (req) => {
      const b = req.body as Static<typeof BulkBody>;
      const results = await runBulk(db, req.ctx(), b.action, b.ids, b.body ?? {});
      return { action: b.action, done: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, results };
    },
  );
}

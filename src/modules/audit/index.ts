/** The audit module's public surface: the only file other modules import. */
import { Type } from '@sinclair/typebox';
import { requireRole, scopePaths } from '../../platform/actor.js';
import { AppError } from '../../platform/errors.js';
import type { ModuleManifest } from '../types.js';
import { sealPending, verifyChain } from './audit.service.js';

export { recordAudit, recordAuditPart, diff, sealPending, verifyChain, type AuditEntry, type VerifyResult } from './audit.service.js';

const SEAL_INTERVAL_MS = 1000;

export const manifest: ModuleManifest = {
  name: 'audit',
  auditVerbs: [],
  async routes(app, { db }) {
    app.get(
      '/api/audit',
      {
        config: { policy: 'audit.list' },
        schema: {
          tags: ['audit'],
          summary: 'Audit records in my region scope, newest first',
          querystring: Type.Object({
            targetType: Type.Optional(Type.String({ maxLength: 64 })),
            targetId: Type.Optional(Type.String({ maxLength: 64 })),
            action: Type.Optional(Type.String({ maxLength: 64 })),
            before: Type.Optional(Type.Integer({ minimum: 1, description: 'keyset cursor: records with id below this' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
          }),
        },
      },
      async (req) => {
        requireRole(req.actor, ['admin', 'supervisor']);
        const q = req.query as { targetType?: string; targetId?: string; action?: string; before?: number; limit?: number };
        const paths = scopePaths(req.actor, ['admin', 'supervisor']);
        const params: unknown[] = [];
        const where: string[] = [];
        if (paths !== null) {
          // Records without a region (users, settings) are for whoever holds the whole city.
          params.push(paths.map((p) => `${p}%`));
          const rootOnly = paths.some((p) => p.split('/').filter(Boolean).length === 1);
          where.push(`(r.path LIKE ANY ($${params.length}::text[])${rootOnly ? ' OR a.region_id IS NULL' : ''})`);
        }
        for (const [col, v] of [['a.target_type', q.targetType], ['a.target_id', q.targetId], ['a.action', q.action]] as const) {
          if (v !== undefined) {
            params.push(v);
            where.push(`${col} = $${params.length}`);
          }
        }
        if (q.before !== undefined) {
          params.push(q.before);
          where.push(`a.id < $${params.length}`);
        }
        params.push(q.limit ?? 100);
        const { rows } = await db.query(
          `SELECT a.id, a.at, a.actor_type AS "actorType", a.actor_id AS "actorId", a.actor_name AS "actorName", a.action,
                  a.target_type AS "targetType", a.target_id AS "targetId", a.region_id AS "regionId", a.before, a.after,
                  a.request_id AS "requestId", a.seq, a.hash
             FROM audit_record a LEFT JOIN region r ON r.id = a.region_id
            ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
            ORDER BY a.id DESC LIMIT $${params.length}`,
          params,
        );
        return { items: rows };
      },
    );
  },
  background({ db }, log) {
    let stopped = false;
    let running: Promise<void> = Promise.resolve();
    const timer = setInterval(() => {
      if (stopped) return;
      running = sealPending(db).then(
        () => undefined,
        (e) => log('audit sealing failed; will retry', e),
      );
    }, SEAL_INTERVAL_MS);
    timer.unref();
    return async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      await sealPending(db).catch(() => 0);
    };
  },
  cli(program, h) {
    const audit = program.command('audit').description('the tamper-evident audit trail');
    audit
      .command('seal')
      .description('seal committed audit records into the hash chain now')
      .action(async () => {
        const n = await h.withDb((db) => sealPending(db));
        h.out({ sealed: n });
      });
    audit
      .command('verify')
      .description('walk the hash chain and report the first broken or missing record')
      .option('--expect-head <seq:hash>', 'a head recorded earlier elsewhere, to catch removal of the newest records')
      .option('--no-seal', 'do not seal pending records first')
      .action(async (o: { expectHead?: string; seal: boolean }) => {
        let expectHead: { seq: number; hash: string } | undefined;
        if (o.expectHead) {
          const m = /^(\d+):([0-9a-f]{64})$/.exec(o.expectHead);
          if (!m) throw new AppError('validation_failed', '--expect-head: must be SEQ:HASH, e.g. 1042:3fa9… (64 hex digits)');
          expectHead = { seq: Number(m[1]), hash: m[2]! };
        }
        const r = await h.withDb(async (db) => {
          if (o.seal) await sealPending(db);
          return verifyChain(db, expectHead ? { expectHead } : {});
        });
        h.out(r);
        if (!r.ok) process.exitCode = 1;
      });
  },
};

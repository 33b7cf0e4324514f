/**
 * Frameworks as data: validation (the engine's compileFramework plus the platform's own rules),
 * creation as a new version (frameworks are never edited: snapshots name code + version), reads.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Ctx } from '../../platform/context.js';
import { inTx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { actorLabel } from '../../platform/actor.js';
import { recordAudit } from '../audit/index.js';
import { compileFramework, type Framework, type FrameworkSpec } from './engine/framework.js';
import { isIndexEngineError } from './engine/errors.js';
import * as repo from './governance-index.repository.js';
import { authorize } from './governance-index.policy.js';

export const INDICATOR_CODE_PATTERN = '^[a-z][a-z0-9_]{0,63}$';
export const FRAMEWORK_CODE_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';
const AGGREGATE_CODE_PATTERN = '^[A-Za-z][A-Za-z0-9_.-]{0,63}$';

const Name = Type.String({ minLength: 1, maxLength: 200 });

export const AggregateNodeSchema = Type.Object(
  {
    code: Type.String({ pattern: AGGREGATE_CODE_PATTERN }),
    nameZh: Type.Optional(Name),
    nameEn: Type.Optional(Name),
    // Numbers only here; negative or non-finite weights are rejected by the engine naming the code.
    weight: Type.Number(),
    parent: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const IndicatorNodeSchema = Type.Object(
  {
    code: Type.String({ pattern: INDICATOR_CODE_PATTERN, description: 'indicator code (provider or imported values)' }),
    nameZh: Type.Optional(Name),
    nameEn: Type.Optional(Name),
    unit: Type.Optional(Type.String({ maxLength: 50 })),
    direction: Type.Number({ description: '1: more is better; -1: less is better' }),
    weight: Type.Number(),
    parent: Type.String({ minLength: 1, maxLength: 64 }),
    denominator: Type.Optional(Type.String({ pattern: INDICATOR_CODE_PATTERN })),
    target: Type.Optional(Type.Number()),
    goalposts: Type.Optional(Type.Object({ lower: Type.Number(), upper: Type.Number() }, { additionalProperties: false })),
    source: Type.Optional(Type.String({ maxLength: 200 })),
    optional: Type.Optional(Type.Boolean({ description: 'left out (weights re-normalised) when no unit has a value' })),
  },
  { additionalProperties: false },
);

export const FrameworkTreeSchema = Type.Object(
  {
    aggregates: Type.Array(AggregateNodeSchema, { minItems: 1, maxItems: 200 }),
    indicators: Type.Array(IndicatorNodeSchema, { minItems: 1, maxItems: 500 }),
  },
  { additionalProperties: false },
);

export type FrameworkTree = Static<typeof FrameworkTreeSchema>;
export type IndicatorNode = Static<typeof IndicatorNodeSchema>;
export type AggregateNode = Static<typeof AggregateNodeSchema>;

export function treeToSpec(tree: FrameworkTree): FrameworkSpec {
  return {
    aggregates: tree.aggregates.map((a) => ({ code: a.code, nameZh: a.nameZh, nameEn: a.nameEn, weight: a.weight, parent: a.parent })),
    indicators: tree.indicators.map((i) => ({
      code: i.code,
      nameZh: i.nameZh,
      nameEn: i.nameEn,
      unit: i.unit,
      direction: i.direction,
      weight: i.weight,
      denominator: i.denominator,
      target: i.target,
      goalposts: i.goalposts,
      source: i.source,
      parent: i.parent,
    })),
  };
}

/** The field of the tree an engine error is about, e.g. "tree.indicators[3].weight". */
function fieldOf(tree: FrameworkTree, details: Record<string, unknown>): string {
  const code = typeof details['code'] === 'string' ? details['code'] : undefined;
  const prop = typeof details['field'] === 'string' ? `.${details['field']}` : '';
  const cycle = Array.isArray(details['cycle']) ? (details['cycle'] as string[]) : undefined;
  if (cycle && cycle.length) {
    const k = tree.aggregates.findIndex((a) => a.code === cycle[0]);
    if (k >= 0) return `tree.aggregates[${k}].parent`;
  }
  if (code !== undefined) {
    const j = tree.indicators.findIndex((i) => i.code === code);
    if (j >= 0) return `tree.indicators[${j}]${prop}`;
    const k = tree.aggregates.findIndex((a) => a.code === code);
    if (k >= 0) return `tree.aggregates[${k}]${prop}`;
  }
  return 'tree';
}

/**
 * Validate a tree: the engine's rules (one root, no cycle, known parents, unique codes, weights
 * finite and ≥ 0, directions ±1, goalposts) plus an indicator's denominator not being itself.
 * Throws index_framework_invalid naming the field and the code.
 */
export function validateTree(tree: FrameworkTree): Framework {
  for (const [j, ind] of tree.indicators.entries()) {
    if (ind.denominator === ind.code) {
      throw new AppError('index_framework_invalid', `indicator "${ind.code}" cannot be its own denominator`, [
        { field: `tree.indicators[${j}].denominator`, code: ind.code, problem: 'is the indicator itself' },
      ]);
    }
  }
  try {
    return compileFramework(treeToSpec(tree));
  } catch (e) {
    if (!isIndexEngineError(e)) throw e;
    throw new AppError('index_framework_invalid', e.message, [{ ...e.details, field: fieldOf(tree, e.details), problem: e.message, engineCode: e.code }]);
  }
}

export interface NewFramework {
  code: string;
  nameZh: string;
  nameEn: string;
  description?: string | undefined;
  tree: FrameworkTree;
}

/** Define a framework, or a new version of an existing code. One transaction with its audit record. */
export async function createFramework(db: Database, ctx: Ctx, f: NewFramework, opts: { builtin?: boolean } = {}): Promise<repo.FrameworkRow> {
  authorize(ctx.actor, 'index.frameworks.create');
  validateTree(f.tree);
  const who = actorLabel(ctx.actor);
  return inTx(db, ctx, async (c) => {
    // Serialises concurrent definitions of one code so two versions never collide.
    await c.tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`index_framework:${f.code}`]);
    const version = (await repo.latestFrameworkVersion(c.tx, f.code)) + 1;
    const row = await repo.insertFramework(c.tx, {
      code: f.code,
      version,
      nameZh: f.nameZh,
      nameEn: f.nameEn,
      description: f.description ?? null,
      tree: f.tree,
      builtin: opts.builtin ?? false,
      createdByType: who.type,
      createdById: who.id,
      createdByName: who.name,
      createdAt: c.now,
    });
    await recordAudit(c, {
      action: 'index.framework.create',
      targetType: 'index_framework',
      targetId: row.id,
      before: null,
      after: { code: row.code, version: row.version, nameZh: row.nameZh, indicators: f.tree.indicators.length, aggregates: f.tree.aggregates.length },
    });
    return row;
  });
}

export async function getFramework(sql: Sql, code: string, version?: number): Promise<repo.FrameworkRow> {
  const row = await repo.getFramework(sql, code, version);
  if (!row) throw new AppError('index_framework_not_found', version ? `No index framework "${code}" version ${version}.` : `No index framework "${code}".`);
  return row;
}

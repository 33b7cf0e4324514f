/**
 * The framework as data: one tree, index → aggregates (any depth) → indicators.
 *
 * `compileFramework` validates the tree once (unique codes, known parents, no cycle, one root,
 * directions ±1, weights finite and ≥ 0) and turns it into flat typed arrays that the hot loops
 * use: node indices 0..m−1 are the indicators in spec order, m..m+a−1 the aggregates in
 * children-before-parents order, and each aggregate's children are a CSR slice.
 */
import { IndexEngineError } from './errors.js';

export interface Goalposts {
  /** Value on the raw scale that scores 0 for direction +1 (100 for direction −1). */
  lower: number;
  /** Value on the raw scale that scores 100 for direction +1 (0 for direction −1). */
  upper: number;
}

export interface IndicatorSpec {
  code: string;
  nameZh?: string | undefined;
  nameEn?: string | undefined;
  unit?: string | undefined;
  /** +1: more is better; −1: less is better. */
  direction: number;
  weight: number;
  /** Code of a denominator column (population, area, GDP …) the raw value is divided by. */
  denominator?: string | undefined;
  target?: number | undefined;
  goalposts?: Goalposts | undefined;
  source?: string | undefined;
  parent: string;
}

export interface AggregateSpec {
  code: string;
  nameZh?: string | undefined;
  nameEn?: string | undefined;
  weight: number;
  /** Absent (or empty) for the root, the index itself. */
  parent?: string | undefined;
}

export interface FrameworkSpec {
  indicators: IndicatorSpec[];
  aggregates: AggregateSpec[];
}

export interface Framework {
  readonly spec: FrameworkSpec;
  readonly indicators: readonly IndicatorSpec[];
  readonly indicatorCodes: readonly string[];
  /** Children before parents; the root is last. */
  readonly aggregateCodes: readonly string[];
  readonly aggregates: readonly AggregateSpec[];
  readonly root: string;
  /** indicator code → 0..m−1, aggregate code → m..m+a−1 (in aggregateCodes order). */
  readonly nodeIndex: ReadonlyMap<string, number>;
  /** Codes of every node by node index. */
  readonly nodeCodes: readonly string[];
  /** Parent node index per node (−1 for the root). */
  readonly parentIdx: Int32Array;
  /** CSR: children of aggregate k (0-based among aggregates) are childIdx[childStart[k]..childStart[k+1]). */
  readonly childStart: Int32Array;
  readonly childIdx: Int32Array;
  /** Weight per node index, as given in the spec (relative within siblings). */
  readonly weights: Float64Array;
  /** Direction per indicator (+1/−1). */
  readonly directions: Float64Array;
  /** Level per node: indicators 1, aggregates 1 + the highest level among their children. */
  readonly levels: Int32Array;
}

function checkWeight(code: string, w: unknown): void {
  if (typeof w !== 'number' || !Number.isFinite(w) || w < 0) {
    throw new IndexEngineError(
      'weight_invalid',
      `weight of "${code}" must be a finite number ≥ 0, got ${String(w)}`,
      { code, field: 'weight', value: w },
    );
  }
}

export function compileFramework(spec: FrameworkSpec): Framework {
  const seen = new Set<string>();
  const aggCodes = new Set<string>();
  for (const a of spec.aggregates) {
    if (!a.code) throw new IndexEngineError('framework_invalid', 'an aggregate has an empty code', { field: 'code' });
    if (seen.has(a.code)) {
      throw new IndexEngineError('framework_duplicate_code', `code "${a.code}" appears twice in the framework`, { code: a.code });
    }
    seen.add(a.code);
    aggCodes.add(a.code);
    checkWeight(a.code, a.weight);
  }
  for (const ind of spec.indicators) {
    if (!ind.code) throw new IndexEngineError('framework_invalid', 'an indicator has an empty code', { field: 'code' });
    if (seen.has(ind.code)) {
      throw new IndexEngineError('framework_duplicate_code', `code "${ind.code}" appears twice in the framework`, { code: ind.code });
    }
    seen.add(ind.code);
    checkWeight(ind.code, ind.weight);
    if (ind.direction !== 1 && ind.direction !== -1) {
      throw new IndexEngineError('direction_invalid', `direction of indicator "${ind.code}" must be 1 or -1, got ${String(ind.direction)}`, {
        code: ind.code,
        field: 'direction',
        value: ind.direction,
      });
    }
    if (!aggCodes.has(ind.parent)) {
      throw new IndexEngineError('framework_unknown_parent', `parent "${ind.parent}" of indicator "${ind.code}" is not an aggregate of the framework`, {
        code: ind.code,
        field: 'parent',
        parent: ind.parent,
      });
    }
    if (ind.goalposts && !(Number.isFinite(ind.goalposts.lower) && Number.isFinite(ind.goalposts.upper) && ind.goalposts.upper > ind.goalposts.lower)) {
      throw new IndexEngineError('framework_invalid', `goalposts of indicator "${ind.code}" need finite lower < upper`, {
        code: ind.code,
        field: 'goalposts',
      });
    }
  }
  if (spec.indicators.length === 0) throw new IndexEngineError('framework_invalid', 'the framework has no indicators', {});

  const aggParent = new Map<string, string | undefined>();
  for (const a of spec.aggregates) {
    const p = a.parent === undefined || a.parent === '' ? undefined : a.parent;
    if (p !== undefined && !aggCodes.has(p)) {
      throw new IndexEngineError('framework_unknown_parent', `parent "${p}" of aggregate "${a.code}" is not an aggregate of the framework`, {
        code: a.code,
        field: 'parent',
        parent: p,
      });
    }
    aggParent.set(a.code, p);
  }
  // Cycle detection: follow each aggregate's parent chain; a chain longer than the number of
  // aggregates, or one that revisits a node, is a cycle.
  for (const a of spec.aggregates) {
    const path: string[] = [a.code];
    const onPath = new Set(path);
    let cur = aggParent.get(a.code);
    while (cur !== undefined) {
      if (onPath.has(cur)) {
        const cycle = path.slice(path.indexOf(cur)).concat(cur);
        throw new IndexEngineError('framework_cycle', `the framework has a cycle: ${cycle.join(' → ')}`, { cycle });
      }
      path.push(cur);
      onPath.add(cur);
      cur = aggParent.get(cur);
    }
  }
  const roots = spec.aggregates.filter((a) => aggParent.get(a.code) === undefined).map((a) => a.code);
  if (roots.length !== 1) {
    throw new IndexEngineError('framework_invalid', `the framework needs exactly one root aggregate (the index), found ${roots.length}: ${roots.join(', ')}`, {
      roots,
    });
  }
  const root = roots[0]!;

  // Children lists (spec order: indicators first in their order, then aggregates).
  const children = new Map<string, string[]>();
  for (const a of spec.aggregates) children.set(a.code, []);
  for (const ind of spec.indicators) children.get(ind.parent)!.push(ind.code);
  for (const a of spec.aggregates) {
    const p = aggParent.get(a.code);
    if (p !== undefined) children.get(p)!.push(a.code);
  }
  for (const a of spec.aggregates) {
    if (children.get(a.code)!.length === 0) {
      throw new IndexEngineError('framework_invalid', `aggregate "${a.code}" has no children`, { code: a.code });
    }
  }

  // Post-order from the root: children before parents.
  const order: string[] = [];
  const visit = (code: string): void => {
    for (const c of children.get(code) ?? []) if (aggCodes.has(c)) visit(c);
    order.push(code);
  };
  visit(root);
  if (order.length !== spec.aggregates.length) {
    // Unreachable with one root and no cycle, kept as a guard.
    throw new IndexEngineError('framework_invalid', 'some aggregates are not connected to the root', {});
  }

  const m = spec.indicators.length;
  const nodeCodes = [...spec.indicators.map((i) => i.code), ...order];
  const nodeIndex = new Map<string, number>();
  nodeCodes.forEach((c, i) => nodeIndex.set(c, i));
  const nNodes = nodeCodes.length;
  const weights = new Float64Array(nNodes);
  const parentIdx = new Int32Array(nNodes).fill(-1);
  const levels = new Int32Array(nNodes);
  const directions = new Float64Array(m);
  const aggByCode = new Map(spec.aggregates.map((a) => [a.code, a]));
  spec.indicators.forEach((ind, i) => {
    weights[i] = ind.weight;
    parentIdx[i] = nodeIndex.get(ind.parent)!;
    directions[i] = ind.direction;
    levels[i] = 1;
  });
  const childStart = new Int32Array(order.length + 1);
  const childList: number[] = [];
  order.forEach((code, k) => {
    const node = m + k;
    const a = aggByCode.get(code)!;
    weights[node] = a.weight;
    const p = aggParent.get(code);
    parentIdx[node] = p === undefined ? -1 : nodeIndex.get(p)!;
    childStart[k] = childList.length;
    let lvl = 0;
    let wsum = 0;
    for (const c of children.get(code)!) {
      const ci = nodeIndex.get(c)!;
      childList.push(ci);
      lvl = Math.max(lvl, levels[ci]!);
      wsum += weights[ci]!;
    }
    if (!(wsum > 0)) {
      throw new IndexEngineError('weight_invalid', `the weights of the children of "${code}" are all zero`, { code, field: 'weight' });
    }
    levels[node] = lvl + 1;
  });
  childStart[order.length] = childList.length;

  return {
    spec,
    indicators: spec.indicators,
    indicatorCodes: spec.indicators.map((i) => i.code),
    aggregateCodes: order,
    aggregates: order.map((c) => aggByCode.get(c)!),
    root,
    nodeIndex,
    nodeCodes,
    parentIdx,
    childStart,
    childIdx: Int32Array.from(childList),
    weights,
    directions,
    levels,
  };
}

/** Children codes of an aggregate, in framework order. */
export function childrenOf(fw: Framework, aggregate: string): string[] {
  const node = fw.nodeIndex.get(aggregate);
  const m = fw.indicatorCodes.length;
  if (node === undefined || node < m) {
    throw new IndexEngineError('framework_invalid', `"${aggregate}" is not an aggregate of the framework`, { code: aggregate });
  }
  const k = node - m;
  const out: string[] = [];
  for (let p = fw.childStart[k]!; p < fw.childStart[k + 1]!; p++) out.push(fw.nodeCodes[fw.childIdx[p]!]!);
  return out;
}

/** Indicator indices (0..m−1) under a node, depth first. */
export function indicatorsUnder(fw: Framework, code: string): number[] {
  const node = fw.nodeIndex.get(code);
  if (node === undefined) throw new IndexEngineError('framework_invalid', `"${code}" is not in the framework`, { code });
  const m = fw.indicatorCodes.length;
  const out: number[] = [];
  const walk = (n: number): void => {
    if (n < m) {
      out.push(n);
      return;
    }
    const k = n - m;
    for (let p = fw.childStart[k]!; p < fw.childStart[k + 1]!; p++) walk(fw.childIdx[p]!);
  };
  walk(node);
  return out;
}

/** A row of a COINr iMeta table, as read from CSV (all strings). */
export type MetaRow = Record<string, string | undefined>;

const NA = new Set(['', 'NA', 'NaN', 'N/A', 'na', 'null', 'NULL']);
const num = (s: string | undefined): number | undefined => {
  if (s === undefined || NA.has(s.trim())) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : Number.NaN;
};
const str = (s: string | undefined): string | undefined => (s === undefined || NA.has(s.trim()) ? undefined : s.trim());

/**
 * Build a FrameworkSpec from COINr's iMeta shape: columns Level, iCode, iName, Direction,
 * Weight, Unit, Target, Denominator, Parent, Type (Indicator | Aggregate | Group |
 * Denominator | Other). Optional extra columns understood: iName_zh, Source, GoalpostLower,
 * GoalpostUpper. Group/Denominator rows are not part of the tree.
 */
export function frameworkSpecFromCoinrMeta(rows: MetaRow[]): FrameworkSpec {
  const indicators: IndicatorSpec[] = [];
  const aggregates: AggregateSpec[] = [];
  rows.forEach((r, line) => {
    const type = str(r['Type']);
    const code = str(r['iCode']);
    if (type !== 'Indicator' && type !== 'Aggregate') return;
    if (!code) throw new IndexEngineError('framework_invalid', `iMeta row ${line + 2} has no iCode`, { row: line + 2, field: 'iCode' });
    const weightRaw = num(r['Weight']);
    const weight = weightRaw === undefined ? 1 : weightRaw;
    if (type === 'Indicator') {
      const direction = num(r['Direction']);
      const lo = num(r['GoalpostLower']);
      const hi = num(r['GoalpostUpper']);
      indicators.push({
        code,
        nameEn: str(r['iName']),
        nameZh: str(r['iName_zh']),
        unit: str(r['Unit']),
        direction: direction === undefined ? 1 : direction,
        weight,
        denominator: str(r['Denominator']),
        target: num(r['Target']),
        goalposts: lo !== undefined && hi !== undefined ? { lower: lo, upper: hi } : undefined,
        source: str(r['Source']),
        parent: str(r['Parent']) ?? '',
      });
    } else {
      aggregates.push({ code, nameEn: str(r['iName']), nameZh: str(r['iName_zh']), weight, parent: str(r['Parent']) });
    }
  });
  return { indicators, aggregates };
}

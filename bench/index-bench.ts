/** Governance-index measurements: the pipeline on 2,000 units × 50 indicators, and Monte Carlo. */
import { compileFramework, mulberry32, runPipeline, uncertaintyAnalysis, type FrameworkSpec } from '../src/modules/governance-index/index.js';
import { timeRuns } from './lib.js';

export function syntheticIndex(units: number, indicators: number, dims = 5) {
  const rnd = mulberry32(42);
  const spec: FrameworkSpec = {
    aggregates: [{ code: 'INDEX', weight: 1 }, ...Array.from({ length: dims }, (_, d) => ({ code: `D${d}`, weight: 1, parent: 'INDEX' }))],
    indicators: Array.from({ length: indicators }, (_, i) => ({ code: `I${i}`, direction: i % 7 === 0 ? -1 : 1, weight: 1 + (i % 3), parent: `D${i % dims}` })),
  };
  const unitCodes = Array.from({ length: units }, (_, u) => `U${u}`);
  const data: Record<string, Float64Array> = {};
  for (let i = 0; i < indicators; i++) {
    const col = new Float64Array(units);
    for (let u = 0; u < units; u++) col[u] = rnd() < 0.02 ? NaN : Math.exp(rnd() * 3) * (1 + i);
    data[`I${i}`] = col;
  }
  return { fw: compileFramework(spec), input: { units: unitCodes, indicators: data } };
}

export async function benchIndex(quick: boolean): Promise<{ computeMs: number; montecarloMs: number; units: number; indicators: number; replications: number }> {
  const { fw, input } = syntheticIndex(2000, 50);
  const config = { impute: { method: 'mean' as const }, treat: { method: 'winsorise' as const } };
  const runs = await timeRuns(() => runPipeline(fw, input, config), quick ? 5 : 20, 3);
  const computeMs = runs[Math.floor(runs.length / 2)]!;
  const result = runPipeline(fw, input, config);
  const replications = 1000;
  const t0 = performance.now();
  uncertaintyAnalysis(result, {
    replications,
    seed: 7,
    normalisations: [{ method: 'minmax', lo: 1, hi: 100 }, { method: 'zscore', mean: 10, sd: 1 }],
    aggregations: ['amean', 'gmean'],
    weightPerturbation: 0.25,
    dropIndicator: true,
  });
  return { computeMs, montecarloMs: performance.now() - t0, units: 2000, indicators: 50, replications };
}

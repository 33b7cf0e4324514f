/** The platform's seeded PRNG (mulberry32) and the draws the demo plan needs: same seed, same city. */
import { mulberry32 } from '../../../platform/prng.js';

export interface Rng {
  (): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  weighted<T>(xs: readonly (readonly [T, number])[]): T;
  chance(p: number): boolean;
  between(lo: number, hi: number): number;
}

export function rng(seed: number): Rng {
  const next = mulberry32(seed);
  const r = next as Rng;
  r.int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1));
  r.pick = (xs) => xs[Math.floor(next() * xs.length)]!;
  r.weighted = (xs) => {
    const total = xs.reduce((s, [, w]) => s + w, 0);
    let x = next() * total;
    for (const [v, w] of xs) {
      x -= w;
      if (x < 0) return v;
    }
    return xs[xs.length - 1]![0];
  };
  r.chance = (p) => next() < p;
  r.between = (lo, hi) => lo + next() * (hi - lo);
  return r;
}

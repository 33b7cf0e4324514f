import { describe, expect, it } from 'vitest';
import { radiusBox } from './cases.repository.js';

/** The point `d` metres from (lng, lat) on bearing `b` degrees, on the WGS-84 ellipsoid's mean sphere. */
function destination(lng: number, lat: number, d: number, b: number): [number, number] {
  const R = 6_371_008.8;
  const φ1 = (lat * Math.PI) / 180;
  const λ1 = (lng * Math.PI) / 180;
  const θ = (b * Math.PI) / 180;
  const δ = d / R;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(θ));
  const λ2 = λ1 + Math.atan2(Math.sin(θ) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
  return [(λ2 * 180) / Math.PI, (φ2 * 180) / Math.PI];
}

describe('radiusBox (the duplicate check\'s index pre-filter)', () => {
  it('holds every point within the radius, at the latitudes of Chinese cities and beyond, and is not much larger', () => {
    for (const lat of [18.2, 25.04, 39.9, 53.5, 70, -33.9]) {
      for (const r of [1, 50, 250, 5_000]) {
        const [w, s, e, n] = radiusBox(102.7, lat, r);
        for (let b = 0; b < 360; b += 7.5) {
          const [x, y] = destination(102.7, lat, r, b);
          expect(x, `lat ${lat} r ${r} bearing ${b}`).toBeGreaterThanOrEqual(w);
          expect(x).toBeLessThanOrEqual(e);
          expect(y).toBeGreaterThanOrEqual(s);
          expect(y).toBeLessThanOrEqual(n);
        }
        // Not a box so big that the index stops pre-filtering: under 1.25 × the circle's extent
        // (the metre of margin dominates only below a few metres).
        if (r >= 50) {
          expect(e - 102.7).toBeLessThan(1.25 * (destination(102.7, lat, r, 90)[0] - 102.7));
          expect(n - lat).toBeLessThan(1.25 * (destination(102.7, lat, r, 0)[1] - lat));
        }
      }
    }
  });
});

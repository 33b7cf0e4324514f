import { describe, expect, it } from 'vitest';
import { isCrs, polygonsToWgs84, toWgs84 } from './crs.js';

// 翠湖公园 (Green Lake Park), Kunming: WGS-84 from GPS; the GCJ-02 offset in Kunming is roughly
// +0.0025° east, -0.0023° north… in the order of a few hundred metres.
const WGS: [number, number] = [102.702278, 25.0504194];

describe('crs', () => {
  it('takes WGS-84 and CGCS2000 as they are', () => {
    expect(toWgs84(...WGS, 'wgs84')).toEqual(WGS);
    expect(toWgs84(...WGS, 'cgcs2000')).toEqual(WGS);
  });
  it('converts GCJ-02 back to WGS-84 within a metre', async () => {
    const gcoord = (await import('gcoord')).default as unknown as { transform: (p: number[], a: string, b: string) => number[] };
    const gcj = gcoord.transform(WGS, 'WGS84', 'GCJ02');
    // The offset is real: hundreds of metres.
    expect(Math.hypot(gcj[0]! - WGS[0], gcj[1]! - WGS[1])).toBeGreaterThan(0.002);
    const back = toWgs84(gcj[0]!, gcj[1]!, 'gcj02');
    expect(Math.abs(back[0] - WGS[0])).toBeLessThan(1e-5);
    expect(Math.abs(back[1] - WGS[1])).toBeLessThan(1e-5);
  });
  it('converts BD-09 back to WGS-84 within a metre', async () => {
    const gcoord = (await import('gcoord')).default as unknown as { transform: (p: number[], a: string, b: string) => number[] };
    const bd = gcoord.transform(WGS, 'WGS84', 'BD09');
    const back = toWgs84(bd[0]!, bd[1]!, 'bd09');
    expect(Math.abs(back[0] - WGS[0])).toBeLessThan(1e-5);
    expect(Math.abs(back[1] - WGS[1])).toBeLessThan(1e-5);
  });
  it('converts polygon rings in place, identically for shared vertices', () => {
    const a = [[[[102.7, 25], [102.8, 25], [102.8, 25.1], [102.7, 25]]]];
    const b = [[[[102.8, 25], [102.9, 25], [102.8, 25.1], [102.8, 25]]]];
    polygonsToWgs84(a, 'gcj02');
    polygonsToWgs84(b, 'gcj02');
    expect(a[0]![0]![1]).toEqual(b[0]![0]![0]);
    expect(a[0]![0]![0]![0]).not.toBe(102.7);
  });
  it('knows its names', () => {
    expect(isCrs('gcj02')).toBe(true);
    expect(isCrs('GCJ02')).toBe(false);
    expect(isCrs('epsg:3857')).toBe(false);
  });
});

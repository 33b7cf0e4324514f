import { AppError } from '../../platform/errors.js';

/**
 * What the web app needs to know from the server: where map tiles come from (none by default:
 * the boundaries are the map) and whether this is a demo installation. From the environment:
 *   GONGZHI_TILE_URL          a {z}/{x}/{y} template, e.g. an internal tile server
 *   GONGZHI_TILE_CRS          wgs84 (default) | gcj02 (AMap, Tencent, Tianditu-styled GCJ sources)
 *   GONGZHI_TILE_ATTRIBUTION  text shown in the map corner
 *   GONGZHI_TILE_SUBDOMAINS   e.g. "1234" for webrd0{s}.is.autonavi.com
 *   GONGZHI_WEB_DIST          serve the app from another folder (default web/dist)
 *   GONGZHI_WEB_BUILD         false: never build web/dist at start (default: build when missing)
 */
export interface WebSettings {
  tileUrl: string | null;
  tileCrs: 'wgs84' | 'gcj02';
  tileAttribution: string | null;
  tileSubdomains: string | null;
  dist: string | null;
  buildOnStart: boolean;
}

export function webSettings(env: NodeJS.ProcessEnv = process.env): WebSettings {
  const problems: string[] = [];
  const tileUrl = env.GONGZHI_TILE_URL?.trim() || null;
  if (tileUrl && !/^(https?:)?\/\//.test(tileUrl) && !tileUrl.startsWith('/')) problems.push('GONGZHI_TILE_URL: must be an http(s) URL or a path starting with /');
  if (tileUrl && !(tileUrl.includes('{z}') && tileUrl.includes('{x}') && tileUrl.includes('{y}'))) problems.push('GONGZHI_TILE_URL: must contain {z}, {x} and {y}');
  const crs = (env.GONGZHI_TILE_CRS?.trim() || 'wgs84').toLowerCase();
  if (crs !== 'wgs84' && crs !== 'gcj02') problems.push(`GONGZHI_TILE_CRS: must be wgs84 or gcj02, got "${env.GONGZHI_TILE_CRS}"`);
  const build = (env.GONGZHI_WEB_BUILD ?? '').trim().toLowerCase();
  if (build && !/^(1|true|yes|on|0|false|no|off)$/.test(build)) problems.push(`GONGZHI_WEB_BUILD: must be true or false, got "${env.GONGZHI_WEB_BUILD}"`);
  if (problems.length > 0) throw new AppError('config_invalid', `The configuration is not valid:\n  ${problems.join('\n  ')}`, problems);
  return {
    tileUrl,
    tileCrs: crs === 'gcj02' ? 'gcj02' : 'wgs84',
    tileAttribution: env.GONGZHI_TILE_ATTRIBUTION?.trim() || null,
    tileSubdomains: env.GONGZHI_TILE_SUBDOMAINS?.trim() || null,
    dist: env.GONGZHI_WEB_DIST?.trim() || null,
    // Tests never build unless they ask (vitest sets VITEST).
    buildOnStart: build ? /^(1|true|yes|on)$/.test(build) : !env.VITEST,
  };
}

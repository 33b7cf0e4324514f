import { get } from '../../api/client';

export interface WebConfig {
  /** A tile URL template ({z}/{x}/{y}), or null: then the region boundaries are the map. */
  tileUrl: string | null;
  /** The coordinate system of the tiles: GCJ-02 sources need our WGS-84 shapes shifted. */
  tileCrs: 'wgs84' | 'gcj02';
  tileAttribution: string | null;
  tileSubdomains?: string;
  demo: boolean;
  version?: string;
}

const DEFAULT: WebConfig = { tileUrl: null, tileCrs: 'wgs84', tileAttribution: null, demo: false };

let cached: Promise<WebConfig> | null = null;

/** The server's web settings; a build-time VITE_TILE_URL fills in when the server names none. */
export function webConfig(): Promise<WebConfig> {
  cached ??= get<WebConfig>('/api/web/config', undefined, { allow404: true })
    .then((c) => c ?? DEFAULT)
    .catch(() => DEFAULT)
    .then((c) => {
      const envUrl = import.meta.env.VITE_TILE_URL as string | undefined;
      const envCrs = import.meta.env.VITE_TILE_CRS as string | undefined;
      if (!c.tileUrl && envUrl) return { ...c, tileUrl: envUrl, tileCrs: envCrs === 'gcj02' ? 'gcj02' : 'wgs84' };
      return c;
    });
  return cached;
}

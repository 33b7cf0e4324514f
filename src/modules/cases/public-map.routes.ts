/**
 * The public map (公开地图): anyone may see where the city is working, redacted like the public
 * case view (no reporter, no phone, no internal notes; phone numbers typed into a description are
 * masked). Clustered below zoom 14 like /api/cases/map; rate-limited like the other public reads.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { invalid } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { redactText } from './cases.presenter.js';
import { publicMapCases, type PublicMapPoint } from './public-map.repository.js';

const PUBLIC_MAP_LIMIT = { max: 600, timeWindow: '1 minute' };

const Query = Type.Object(
  {
    bbox: Type.String({ pattern: '^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$', description: 'minLng,minLat,maxLng,maxLat (WGS-84)' }),
    zoom: Type.Integer({ minimum: 0, maximum: 22 }),
    category: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** A point's public properties: the same fields as the public case view, shortened for a map. */
export function presentPublicMapPoint(p: PublicMapPoint) {
  if (p.count !== 1 || p.public_id === null) return { cluster: true, count: p.count };
  const text = redactText(p.description);
  return {
    cluster: false,
    count: 1,
    publicId: p.public_id,
    state: p.state,
    category: { code: p.category_code, nameZh: p.name_zh, nameEn: p.name_en },
    description: text && text.length > 140 ? `${text.slice(0, 139)}…` : text,
    reportedAt: p.reported_at ? new Date(p.reported_at).toISOString() : null,
  };
}

export async function publicMapRoutes(app: FastifyInstance, { db }: AppDeps): Promise<void> {
  app.get(
    '/api/public/cases/map',
    {
      config: { policy: 'public', rateLimit: PUBLIC_MAP_LIMIT },
      schema: { tags: ['public'], summary: 'GeoJSON of public (non-private, redacted) cases in a bounding box; clustered below zoom 14', querystring: Query },
    },
    async (req, reply) => {
      const q = req.query as Static<typeof Query>;
      const b = q.bbox.split(',').map(Number) as [number, number, number, number];
      if (b.some((x) => !Number.isFinite(x)) || b[0] >= b[2] || b[1] >= b[3]) throw invalid('bbox', 'must be minLng,minLat,maxLng,maxLat with min < max');
      const cell = q.zoom >= 14 ? null : 360 / 2 ** q.zoom / 8;
      const pts = await publicMapCases(db, b, cell, { category: q.category });
      void reply.type('application/geo+json').header('cache-control', 'public, max-age=60');
      return {
        type: 'FeatureCollection',
        features: pts.map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: [p.lng, p.lat] }, properties: presentPublicMapPoint(p) })),
      };
    },
  );
}

/** HTTP routes of the offline geocoder: validate → policy → service → presenter. No SQL here. */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { invalid } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { gazetteerPolicy } from './gazetteer.policy.js';
import { geocodeAddress, importGazetteer, suggestNames, type GeocodeResult } from './gazetteer.service.js';

/** Per user: the report form geocodes as the reporter types (debounced), integrations in bursts. */
const GEOCODE_LIMIT = {
  max: 120,
  timeWindow: '1 minute',
  hook: 'preHandler' as const,
  keyGenerator: (req: { actor?: { kind: string; id?: number }; ip: string }) =>
    req.actor && (req.actor.kind === 'user' || req.actor.kind === 'api_key') ? `geocode:${req.actor.kind}:${req.actor.id}` : `geocode:ip:${req.ip}`,
};

const RegionSchema = Type.Object({ id: Type.Integer(), code: Type.String(), name: Type.String(), level: Type.String() });

const GeocodeResponse = Type.Object({
  query: Type.String(),
  normalized: Type.String(),
  status: Type.Union([Type.Literal('matched'), Type.Literal('ambiguous'), Type.Literal('none')]),
  region: Type.Union([RegionSchema, Type.Null()]),
  chain: Type.Array(RegionSchema, { description: 'the region first, up to the city' }),
  point: Type.Union([Type.Object({ lng: Type.Number(), lat: Type.Number() }), Type.Null()]),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  source: Type.Union([Type.Literal('gazetteer'), Type.Literal('region'), Type.Null()]),
  matches: Type.Array(Type.Object({ text: Type.String(), start: Type.Integer(), end: Type.Integer(), kind: Type.String(), short: Type.Boolean() })),
  candidates: Type.Array(Type.Object({ id: Type.Integer(), code: Type.String(), name: Type.String(), level: Type.String(), chainNames: Type.Array(Type.String()) })),
  suggestions: Type.Array(
    Type.Object({
      type: Type.String(),
      name: Type.String(),
      regionCode: Type.Union([Type.String(), Type.Null()]),
      chainNames: Type.Array(Type.String()),
      point: Type.Union([Type.Object({ lng: Type.Number(), lat: Type.Number() }), Type.Null()]),
    }),
  ),
});

const GeocodeQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 500, description: 'an address, e.g. 昆明市西山区前卫街道福海社区滇池路 123 号' }),
    cityCode: Type.Optional(Type.String({ pattern: '^[0-9]{12}$', description: 'only this city' })),
    suggest: Type.Optional(Type.Boolean({ default: true, description: 'also list names containing q (autocomplete)' })),
  },
  { additionalProperties: false },
);

const ImportQuery = Type.Object(
  {
    regionCode: Type.Optional(Type.String({ pattern: '^[0-9]{12}([0-9]{3}([0-9]{2})?)?$', description: 'every point must lie in this region' })),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const ImportResponse = Type.Object({ rows: Type.Integer(), created: Type.Integer(), updated: Type.Integer(), dryRun: Type.Boolean() });

const presentRegion = (r: GeocodeResult['chain'][number]) => ({ id: r.id, code: r.code, name: r.name, level: r.level });

export async function gazetteerRoutes(app: FastifyInstance, { db }: AppDeps): Promise<void> {
  // Its own scope, so the CSV body parser does not leak into the other regions routes.
  await app.register(async (scope) => {
    scope.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: 50 * 1_048_576 }, (_req, body, done) => done(null, body));

    scope.get(
      '/api/regions/geocode',
      {
        config: { policy: 'authenticated', rateLimit: GEOCODE_LIMIT },
        schema: {
          tags: ['regions'],
          summary: 'Geocode an address offline: the deepest region it names (and a gazetteer point), or ambiguous with candidates',
          querystring: GeocodeQuery,
          response: { 200: GeocodeResponse },
        },
      },
      async (req) => {
        gazetteerPolicy.geocode(req.actor);
        const q = req.query as Static<typeof GeocodeQuery>;
        if (q.q.trim() === '') throw invalid('q', 'must not be blank');
        const opts = q.cityCode ? { cityCode: q.cityCode } : {};
        const r = await geocodeAddress(db, q.q, opts);
        const suggestions = q.suggest === false || r.status === 'matched' ? [] : await suggestNames(db, q.q, { ...opts, limit: 10 });
        return {
          ...r,
          region: r.region ? presentRegion(r.region) : null,
          chain: r.chain.map(presentRegion),
          candidates: r.candidates.map((c) => ({ ...presentRegion(c), chainNames: c.chainNames })),
          suggestions,
        };
      },
    );

    scope.post(
      '/api/regions/gazetteer/import',
      {
        config: { policy: 'regions.gazetteer.import' },
        bodyLimit: 50 * 1_048_576,
        schema: {
          tags: ['regions'],
          summary: 'Import named roads, places and addresses: CSV name,kind,lng,lat,crs[,aliases] (text/csv body or multipart file); any bad row → 400 listing the rows, nothing written',
          querystring: ImportQuery,
          response: { 200: ImportResponse },
        },
      },
      async (req) => {
        gazetteerPolicy.importAny(req.actor);
        const q = req.query as Static<typeof ImportQuery>;
        let csv: Buffer | null = null;
        let source = 'request body';
        if (req.isMultipart()) {
          for await (const part of req.parts()) {
            if (part.type === 'file' && csv === null) {
              csv = await part.toBuffer();
              source = part.filename || part.fieldname;
            }
          }
        } else if (Buffer.isBuffer(req.body)) {
          csv = req.body;
        }
        if (!csv || csv.length === 0) throw invalid('file', 'is required: a text/csv body, or a multipart file part');
        return importGazetteer(db, req.ctx(), csv, { regionCode: q.regionCode, dryRun: q.dryRun, source });
      },
    );
  });
}

/**
 * GeoReport v2 at /open311/v2/: validate → policy → service → presenter → the format the URL asks
 * for (.json or .xml). Inside this scope errors leave in the spec's shape ([{code, description}] /
 * <errors><error>…), and POST bodies are application/x-www-form-urlencoded (parsed here: Fastify
 * has no parser for it).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { CONTENT_TYPE, FORMATS, formatOfUrl, render, splitFormat, toOpen311Error, type Format } from './open311.format.js';
import { open311Actor, requireSubmitter } from './open311.policy.js';
import { presentService, presentServiceDefinition } from './open311.presenter.js';
import * as svc from './open311.service.js';

export const PREFIX = '/open311/v2';
/** Form bodies: a 4000-character Chinese description is 36 KB percent-encoded. */
export const FORM_BODY_LIMIT = 128 * 1024;
/** Per client (API key, else IP) and route. */
export const READ_RATE_LIMIT = { max: 300, timeWindow: '1 minute' };
export const SUBMIT_RATE_LIMIT = { max: 60, timeWindow: '1 minute' };

const rateKey = (req: FastifyRequest): string => {
  const a = req.actor;
  if (a && (a.kind === 'api_key' || a.kind === 'user')) return `${a.kind}:${a.id}`;
  // A key sent as a field counts per key: its public prefix (gz_xxxxxxxx) names the bucket.
  const field = (req.query as { api_key?: unknown } | undefined)?.api_key ?? (req.body as { api_key?: unknown } | undefined)?.api_key;
  return typeof field === 'string' && field !== '' ? `key:${field.slice(0, 12)}` : `ip:${req.ip}`;
};
// After parsing (preHandler), so that a key in the query or the form decides the bucket.
const readLimit = { ...READ_RATE_LIMIT, hook: 'preHandler' as const, keyGenerator: rateKey };
const submitLimit = { ...SUBMIT_RATE_LIMIT, hook: 'preHandler' as const, keyGenerator: rateKey };

const FormatParams = Type.Object({ format: Type.Union(FORMATS.map((f) => Type.Literal(f)), { description: 'json or xml' }) });
const FileParams = (what: string) => Type.Object({ file: Type.String({ minLength: 6, maxLength: 100, pattern: '^[A-Za-z0-9_.-]+\\.(json|xml)$', description: `${what}.json or ${what}.xml` }) });

const Common = {
  jurisdiction_id: Type.Optional(Type.String({ maxLength: 32, description: 'the city code (12 digits); optional when the server serves one city' })),
  api_key: Type.Optional(Type.String({ maxLength: 200, description: 'an API key (gz_…): adds the requests of its region scope' })),
};
const CommonQuery = Type.Object(Common);
const Paging = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1, description: 'page number (extension), from 1' })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: svc.MAX_PAGE_SIZE, default: svc.MAX_PAGE_SIZE, description: 'requests per page (extension), at most 1000' })),
};
const W3cDate = (d: string) => Type.Optional(Type.String({ maxLength: 40, description: d }));
const RequestsQuery = Type.Object({
  ...Common,
  service_request_id: Type.Optional(Type.String({ maxLength: 2000, pattern: '^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$', description: 'one or more ids, comma-separated; the other filters are then ignored' })),
  service_code: Type.Optional(Type.String({ maxLength: 1000, pattern: '^[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*$', description: 'one or more service codes, comma-separated' })),
  start_date: W3cDate('earliest requested_datetime (W3C date-time); default: 90 days before end_date'),
  end_date: W3cDate('latest requested_datetime; default: now, or 90 days after start_date; at most 90 days after start_date'),
  status: Type.Optional(Type.String({ pattern: '^(open|closed)(,(open|closed))?$', description: 'open, closed or open,closed (default: both)' })),
  ...Paging,
});
const UpdatesQuery = Type.Object({
  ...Common,
  start_date: W3cDate('earliest update (W3C date-time); default: 90 days before end_date'),
  end_date: W3cDate('latest update; default: now, or 90 days after start_date'),
  ...Paging,
});

const Text = (max: number, description?: string) => Type.Optional(Type.String({ minLength: 1, maxLength: max, ...(description ? { description } : {}) }));
export const SubmitBody = Type.Object(
  {
    ...Common,
    service_code: Type.String({ minLength: 1, maxLength: 64 }),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90, description: 'WGS-84 latitude' })),
    long: Type.Optional(Type.Number({ minimum: -180, maximum: 180, description: 'WGS-84 longitude' })),
    address_string: Text(500, 'a human-readable address (when there is no lat/long)'),
    address_id: Text(200),
    email: Type.Optional(Type.String({ maxLength: 254, format: 'email' })),
    device_id: Text(200),
    account_id: Text(200),
    first_name: Text(50),
    last_name: Text(50),
    phone: Type.Optional(Type.String({ pattern: '^\\+?[0-9][0-9 ()-]{4,24}$', description: 'a contact number: only the centre that calls back sees it in full' })),
    description: Text(4000, 'up to 4000 characters'),
    media_url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^https?://[^\\s]+$' })),
    attribute: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,64}$' }), Type.Union([Type.String({ maxLength: 4000 }), Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 })]), {
        description: 'attribute[CODE]=value; attribute[CODE][]=key for each key of a multivaluelist',
      }),
    ),
  },
  { additionalProperties: false },
);

/** URLSearchParams → the body object: attribute[CODE] and attribute[CODE][] gather under `attribute`. */
export function parseForm(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const attrs: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(text)) {
    const m = /^attribute\[([^\][]{1,64})\](\[\])?$/.exec(k);
    if (m) {
      if (v === '') continue;
      const code = m[1]!;
      const cur = attrs[code];
      // attribute[CODE][] is always a list; a repeated attribute[CODE] becomes one too.
      if (m[2] || cur !== undefined) attrs[code] = cur === undefined ? [v] : Array.isArray(cur) ? [...cur, v] : [cur, v];
      else attrs[code] = v;
      continue;
    }
    // Empty fields are absent (some clients send lat=&long=; a number must not become 0).
    if (v === '') continue;
    if (k in out) throw invalid(k, 'is given twice');
    out[k] = v;
  }
  if (Object.keys(attrs).length > 0) out.attribute = attrs;
  return out;
}

function send(reply: FastifyReply, format: Format, root: string, value: unknown, status = 200) {
  return reply.status(status).type(CONTENT_TYPE[format]).send(render(format, root, value));
}

const baseUrl = (req: FastifyRequest): string => `${req.protocol}://${req.host}`;

function fileParam(file: string): [string, Format] {
  const s = splitFormat(file);
  if (!s) throw invalid('format', 'must be .json or .xml');
  return s;
}

export async function open311Routes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const { db } = deps;
  await app.register(
    async (scope) => {
      scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_req, body, done) => {
        try {
          done(null, parseForm(body as string));
        } catch (e) {
          done(e as Error, undefined);
        }
      });
      scope.setErrorHandler((err, req, reply) => {
        const e = toOpen311Error(err);
        if (e.status >= 500) req.log.error({ err }, 'open311 request failed');
        if (e.headers) void reply.headers(e.headers);
        return send(reply, formatOfUrl(req.url), 'errors', e.errors, e.status);
      });
      const noEndpoint = (req: FastifyRequest, reply: FastifyReply) =>
        send(reply, formatOfUrl(req.url), 'errors', [{ code: 404, description: `There is no endpoint ${req.method} ${req.url.split('?')[0]}.` }], 404);
      scope.setNotFoundHandler(noEndpoint);
      // The web app's GET /* would otherwise take unknown GETs here and answer the app's 404.
      scope.get('/*', { config: { policy: 'public' }, schema: { hide: true } }, noEndpoint);

      const actorOf = (req: FastifyRequest, apiKey: string | undefined) => open311Actor(db, req.actor, apiKey, deps.now());

      scope.get(
        '/discovery.:format',
        { config: { policy: 'public', rateLimit: readLimit }, schema: { tags: ['open311'], summary: 'Service discovery: where the GeoReport v2 endpoint is and what it speaks', params: FormatParams } },
        async (req, reply) => {
          const { format } = req.params as Static<typeof FormatParams>;
          const base = baseUrl(req);
          const changeset = await svc.servicesChangeset(db);
          return send(reply, format, 'discovery', {
            changeset,
            contact: `${base}/docs`,
            key_service: 'API keys are issued by the city administrator (gongzhi apikey create --name … --role operator).',
            endpoints: [
              { specification: 'http://wiki.open311.org/GeoReport_v2', url: `${base}${PREFIX}`, changeset, type: 'production', formats: ['application/json', 'text/xml'] },
            ],
          });
        },
      );

      scope.get(
        '/services.:format',
        { config: { policy: 'public', rateLimit: readLimit }, schema: { tags: ['open311'], summary: 'Service list: the case categories one may report', params: FormatParams, querystring: CommonQuery } },
        async (req, reply) => {
          const { format } = req.params as Static<typeof FormatParams>;
          const q = req.query as Static<typeof CommonQuery>;
          await actorOf(req, q.api_key);
          await svc.resolveJurisdiction(db, q.jurisdiction_id);
          const { services, majors } = await svc.listServices(db);
          return send(reply, format, 'services', services.map((s) => presentService(s, majors)));
        },
      );

      scope.get(
        '/services/:file',
        { config: { policy: 'public', rateLimit: readLimit }, schema: { tags: ['open311'], summary: 'Service definition: the attributes of one service', params: FileParams('SERVICE_CODE'), querystring: CommonQuery } },
        async (req, reply) => {
          const [code, format] = fileParam((req.params as { file: string }).file);
          const q = req.query as Static<typeof CommonQuery>;
          await actorOf(req, q.api_key);
          await svc.resolveJurisdiction(db, q.jurisdiction_id);
          return send(reply, format, 'service_definition', presentServiceDefinition(await svc.getService(db, code)));
        },
      );

      scope.get(
        '/requests.:format',
        {
          config: { policy: 'public', rateLimit: readLimit },
          schema: { tags: ['open311'], summary: 'Service requests: public ones (plus the API key\'s scope), newest first; 90 days and 1000 per page by default', params: FormatParams, querystring: RequestsQuery },
        },
        async (req, reply) => {
          const { format } = req.params as Static<typeof FormatParams>;
          const q = req.query as Static<typeof RequestsQuery>;
          const actor = await actorOf(req, q.api_key);
          const jurisdiction = await svc.resolveJurisdiction(db, q.jurisdiction_id);
          const list = (s: string | undefined) => (s ? [...new Set(s.split(','))] : undefined);
          const start = svc.parseW3c('start_date', q.start_date);
          const end = svc.parseW3c('end_date', q.end_date);
          const ids = list(q.service_request_id);
          const codes = list(q.service_code);
          const status = list(q.status) as Array<'open' | 'closed'> | undefined;
          const out = await svc.listRequests(db, actor, baseUrl(req), deps.now(), {
            jurisdiction,
            ...(ids ? { ids } : {}),
            ...(codes ? { serviceCodes: codes } : {}),
            ...(start ? { start } : {}),
            ...(end ? { end } : {}),
            ...(status ? { status } : {}),
            page: q.page ?? 1,
            pageSize: q.page_size ?? svc.MAX_PAGE_SIZE,
          });
          return send(reply, format, 'service_requests', out);
        },
      );

      scope.post(
        '/requests.:format',
        {
          config: { policy: 'open311.submit', rateLimit: submitLimit },
          schema: {
            tags: ['open311'],
            summary: 'Create a service request (application/x-www-form-urlencoded; needs api_key). Answers [{service_request_id, service_notice, account_id}]',
            params: FormatParams,
            body: SubmitBody,
          },
        },
        async (req, reply) => {
          const { format } = req.params as Static<typeof FormatParams>;
          const { api_key: apiKey, ...input } = req.body as Static<typeof SubmitBody>;
          const actor = await actorOf(req, apiKey);
          requireSubmitter(actor);
          const key = req.headers['idempotency-key'];
          const out = await svc.submitRequest(db, { ...req.ctx(), actor }, input, typeof key === 'string' ? key : undefined);
          return send(reply, format, 'service_requests', out.body, out.status);
        },
      );

      scope.get(
        '/requests/:file',
        { config: { policy: 'public', rateLimit: readLimit }, schema: { tags: ['open311'], summary: 'One service request (a one-element list)', params: FileParams('SERVICE_REQUEST_ID'), querystring: CommonQuery } },
        async (req, reply) => {
          const [id, format] = fileParam((req.params as { file: string }).file);
          const q = req.query as Static<typeof CommonQuery>;
          const actor = await actorOf(req, q.api_key);
          const jurisdiction = await svc.resolveJurisdiction(db, q.jurisdiction_id);
          return send(reply, format, 'service_requests', await svc.getRequest(db, actor, baseUrl(req), jurisdiction, id));
        },
      );

      scope.get(
        '/tokens/:file',
        { config: { policy: 'public', rateLimit: readLimit }, schema: { tags: ['open311'], summary: 'The request id of a token (submissions here are synchronous: tokens are request ids)', params: FileParams('TOKEN'), querystring: CommonQuery } },
        async (req, reply) => {
          const [token, format] = fileParam((req.params as { file: string }).file);
          const q = req.query as Static<typeof CommonQuery>;
          const actor = await actorOf(req, q.api_key);
          const jurisdiction = await svc.resolveJurisdiction(db, q.jurisdiction_id);
          return send(reply, format, 'service_requests', await svc.getToken(db, actor, jurisdiction, token));
        },
      );

      scope.get(
        '/servicerequestupdates.:format',
        {
          config: { policy: 'public', rateLimit: readLimit },
          schema: { tags: ['open311'], summary: 'Updates (public timeline events) of service requests in a time window, oldest first (mySociety extension)', params: FormatParams, querystring: UpdatesQuery },
        },
        async (req, reply) => {
          const { format } = req.params as Static<typeof FormatParams>;
          const q = req.query as Static<typeof UpdatesQuery>;
          const actor = await actorOf(req, q.api_key);
          const jurisdiction = await svc.resolveJurisdiction(db, q.jurisdiction_id);
          const start = svc.parseW3c('start_date', q.start_date);
          const end = svc.parseW3c('end_date', q.end_date);
          const out = await svc.listUpdates(db, actor, deps.now(), {
            jurisdiction,
            ...(start ? { start } : {}),
            ...(end ? { end } : {}),
            page: q.page ?? 1,
            pageSize: q.page_size ?? svc.MAX_PAGE_SIZE,
          });
          return send(reply, format, 'service_request_updates', out);
        },
      );
    },
    { prefix: PREFIX },
  );
}

/**
 * buildApp(): the whole HTTP application, built and never started. Only server.ts listens; tests
 * use app.inject(). Plugins first, then every module's global hooks, then every module's routes.
 */
import crypto from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ANONYMOUS } from './platform/actor.js';
import type { Config } from './platform/config.js';
import type { Database } from './platform/db.js';
import { AppError, ERRORS, inputDataProblem, isAppError, isDatabaseUnavailable, type ErrorBody } from './platform/errors.js';
import { createMetrics } from './platform/metrics.js';
import { pendingMigrations } from './platform/migrate.js';
import './platform/http.js';
import { MODULES } from './modules/registry.js';
import type { AppDeps } from './modules/types.js';

export interface BuildOptions {
  db: Database;
  config: Config;
  now?: () => Date;
  /** pino logger options, or false for none (tests). */
  logger?: boolean | Record<string, unknown>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** What a 503 asks the client to wait before trying again (seconds). */
const RETRY_AFTER_S = 5;
const READY_CHECK_MS = 2_000;

/** The promise's value, or undefined when it has not settled within ms (its rejection is kept). */
async function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  p.catch(() => undefined); // a late rejection after the deadline is not unhandled
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function buildApp(opts: BuildOptions): Promise<FastifyInstance> {
  const { db, config } = opts;
  const now = opts.now ?? (() => new Date());
  const app = Fastify({
    logger: opts.logger === undefined ? { level: config.logLevel } : opts.logger,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    // A client's own request id is kept (so a trace crosses systems); otherwise a new one.
    genReqId: (req) => {
      const h = req.headers['x-request-id'];
      return typeof h === 'string' && REQUEST_ID.test(h) ? h : crypto.randomUUID();
    },
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false, useDefaults: true } },
    // Errors the router raises before any route runs (a path that is not valid UTF-8 once
    // decoded, a path parameter over maxParamLength) skip setErrorHandler: same catalogue shape.
    frameworkErrors: (err, _req, reply) => {
      const { status, body, headers } = toErrorResponse(err);
      const r = reply as unknown as { headers(h: Record<string, string>): unknown; status(n: number): { send(b: unknown): unknown } };
      if (headers) r.headers(headers);
      r.status(status).send(body);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const deps: AppDeps = { db, config, now };

  // Objects must not be shared between requests: null here, set per request in onRequest.
  app.decorateRequest('actor', null as never);
  app.decorateRequest('ctx', function ctx(this: { actor: typeof ANONYMOUS; id: string; ip: string }) {
    return { actor: this.actor, now: now(), requestId: this.id, ip: this.ip ?? null };
  });
  app.addHook('onRequest', async (req, reply) => {
    req.actor = ANONYMOUS;
    void reply.header('x-request-id', req.id);
  });

  // Every route must say who may call it; see platform/http.ts.
  app.addHook('onRoute', (route) => {
    const url = route.url;
    if (url.startsWith('/docs') || route.method === 'HEAD') return;
    if (!route.config || typeof (route.config as { policy?: unknown }).policy !== 'string') {
      throw new Error(`Route ${String(route.method)} ${url} has no config.policy: every endpoint must declare who may call it.`);
    }
  });

  await app.register(cookie, config.secret ? { secret: config.secret } : {});
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, ctx) => {
      const e = new AppError('rate_limited', `Too many requests; try again in ${Math.ceil(ctx.ttl / 1000)} s.`, { retryAfterSeconds: Math.ceil(ctx.ttl / 1000) });
      return Object.assign(e, { statusCode: 429 });
    },
  });
  await app.register(multipart, { limits: { fileSize: 20 * 1_048_576, files: 9, fields: 50 } });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'gongzhi 共治 API', version: '0.1.0', description: 'The API of the gongzhi social-governance platform.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'gz_session' },
          apiKey: { type: 'http', scheme: 'bearer' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const metrics = createMetrics();
  app.addHook('onResponse', async (req, reply) => {
    metrics.observe(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: FastifyError | AppError | Error, req, reply) => {
    const { status, body, headers } = toErrorResponse(err);
    if (status === 503) req.log.warn({ err: { message: err.message, code: (err as { code?: unknown }).code } }, 'database unavailable');
    else if (status >= 500) req.log.error({ err }, 'request failed');
    // A database data exception mapped to 400 means a schema let a bad value through: worth a look.
    else if (inputDataProblem(err) && !isAppError(err)) req.log.warn({ err }, 'a bad value reached the database');
    else req.log.info({ code: body.error.code }, 'request rejected');
    if (headers) void reply.headers(headers);
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const body: ErrorBody = { error: { code: 'route_not_found', message: `There is no endpoint ${req.method} ${req.url.split('?')[0]}.` } };
    return reply.status(404).send(body);
  });

  app.get('/healthz', { config: { policy: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { config: { policy: 'public' }, schema: { hide: true } }, async (_req, reply) => {
    // A load balancer asks every few seconds: the answer must come quickly even when the
    // database hangs, so the check has its own deadline.
    const notReady = (reason: string) => reply.status(503).header('retry-after', String(RETRY_AFTER_S)).send({ status: 'not_ready', reason });
    try {
      const pending = await withDeadline(
        (async () => {
          await db.query('SELECT 1');
          return pendingMigrations(db);
        })(),
        READY_CHECK_MS,
      );
      if (pending === undefined) return notReady('database did not answer in time');
      if (pending.length > 0) return reply.status(503).send({ status: 'not_ready', reason: 'migrations pending', pending });
      return { status: 'ready', engine: db.engine };
    } catch {
      return notReady('database unreachable');
    }
  });
  app.get('/metrics', { config: { policy: 'public' }, schema: { hide: true } }, async (req, reply) => {
    if (config.metricsToken !== undefined) {
      const given = Buffer.from(req.headers.authorization ?? '');
      const want = Buffer.from(`Bearer ${config.metricsToken}`);
      if (given.length !== want.length || !crypto.timingSafeEqual(given, want)) {
        throw new AppError('unauthenticated', 'metrics: send Authorization: Bearer <GONGZHI_METRICS_TOKEN>');
      }
    }
    return reply.type(metrics.contentType).send(await metrics.render());
  });
  app.get('/openapi.json', { config: { policy: 'public' }, schema: { hide: true } }, async () => app.swagger());

  for (const m of MODULES) if (m.hooks) await m.hooks(app, deps);
  for (const m of MODULES) if (m.routes) await app.register(async (scope) => m.routes!(scope, deps));

  return app;
}

const MALFORMED_MULTIPART = /^(Unexpected end of multipart data|Multipart: Boundary not found|Boundary required|(Part|Field|File) terminated early due to unexpected end of multipart data)$/;

/** Map any error to the catalogue's shape. Internals of 5xx never reach the client. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (isAppError(err)) {
    return { status: err.status, body: err.toBody(), ...(err.headers ? { headers: err.headers } : {}) };
  }
  const e = err as FastifyError & { validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }>; validationContext?: string };
  if (e && Array.isArray(e.validation)) {
    const where = e.validationContext ?? 'body';
    const details = e.validation.map((v) => {
      let field = (v.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
      const missing = v.params?.missingProperty;
      if (typeof missing === 'string') field = field ? `${field}.${missing}` : missing;
      const extra = v.params?.additionalProperty;
      if (typeof extra === 'string') field = field ? `${field}.${extra}` : extra;
      return { field: field || where, in: where, problem: v.message ?? 'is not valid' };
    });
    const first = details[0];
    const message = first ? `${first.field}: ${first.problem}` : 'The request is not valid.';
    return { status: 400, body: { error: { code: 'validation_failed', message, details } } };
  }
  if (e && typeof e.statusCode === 'number' && e.statusCode === 429) {
    return { status: 429, body: { error: { code: 'rate_limited', message: e.message } }, headers: { 'retry-after': '60' } };
  }
  switch (e?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
      return { status: 413, body: { error: { code: 'payload_too_large', message: e.message } } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, body: { error: { code: 'unsupported_media_type', message: e.message } } };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status: 414, body: { error: { code: 'uri_too_long', message: 'A path parameter is too long.' } } };
    case 'FST_ERR_BAD_URL':
      return { status: 400, body: { error: { code: 'bad_request', message: 'path: is not a valid URL (bad percent-encoding or UTF-8)' } } };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return { status: 400, body: { error: { code: 'bad_request', message: e.message } } };
    default:
      break;
  }
  // The multipart parser (busboy) rejects a malformed form with plain Errors: the client's fault.
  if (e instanceof Error && MALFORMED_MULTIPART.test(e.message)) {
    return { status: 400, body: { error: { code: 'bad_request', message: `body: the multipart form is malformed (${e.message})` } } };
  }
  if (e?.name === 'SyntaxError' && e.statusCode === 400) {
    return { status: 400, body: { error: { code: 'bad_request', message: 'body: is not valid JSON' } } };
  }
  if (isDatabaseUnavailable(err)) {
    return { status: 503, body: { error: { code: 'database_unavailable', message: ERRORS.database_unavailable.message } }, headers: { 'retry-after': String(RETRY_AFTER_S) } };
  }
  const problem = inputDataProblem(err);
  if (problem) {
    return { status: 400, body: { error: { code: 'bad_request', message: `The request holds a value the database cannot take: ${problem}.` } } };
  }
  if (e && typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { status: e.statusCode, body: { error: { code: 'bad_request', message: e.message } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'Something went wrong on our side. The request id identifies it in the logs.' } } };
}

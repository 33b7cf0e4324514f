/**
 * Authentication for every route (registered on the root app by the manifest's `hooks`):
 * a Bearer API key, or else the session cookie, becomes `request.actor`. Cookie-authenticated
 * unsafe requests must carry the session's CSRF token; every unsafe request that is not
 * API-key-authenticated is refused when its Origin/Referer names another host.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../platform/errors.js';
import type { AppDeps } from '../types.js';
import { SESSION_COOKIE, authenticateApiKey, authenticateSession } from './auth.service.js';
import { safeEqual } from './credentials.js';
import { UNSAFE_METHODS, originVerdict } from './csrf.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Skip the CSRF token check (login only: there is no session token yet). Origin is still checked. */
    csrfExempt?: boolean;
  }
  interface FastifyRequest {
    /** The CSRF token of the request's session (cookie-authenticated requests only). */
    csrfToken?: string;
  }
}

export const CSRF_HEADER = 'x-csrf-token';

export function cookieOptions(req: FastifyRequest, maxAgeSeconds?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    // Secure whenever the browser reached us over https (directly, or via a trusted proxy).
    secure: req.protocol === 'https',
    ...(maxAgeSeconds !== undefined ? { maxAge: maxAgeSeconds } : {}),
  };
}

function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  void reply.clearCookie(SESSION_COOKIE, cookieOptions(req));
}

const INFRASTRUCTURE = new Set(['/metrics', '/healthz', '/readyz']);

export async function registerAuthentication(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.addHook('onRequest', async (req, reply) => {
    // Infrastructure endpoints never act for anyone: their Authorization header (a Prometheus
    // scrape token) is theirs to check, not an API key.
    if (INFRASTRUCTURE.has(req.routeOptions.url ?? '')) return;
    const now = deps.now();
    const authz = req.headers.authorization;
    if (typeof authz === 'string' && /^bearer\s/i.test(authz)) {
      const actor = await authenticateApiKey(deps.db, authz.replace(/^bearer\s+/i, '').trim(), now);
      if (!actor) throw new AppError('invalid_api_key');
      // No CSRF for keys: a browser never attaches an Authorization header on its own.
      req.actor = actor;
      return;
    }
    const unsafe = UNSAFE_METHODS.has(req.method);
    if (unsafe) {
      const verdict = originVerdict({ origin: req.headers.origin, referer: req.headers.referer, host: req.headers.host });
      if (verdict === 'cross') throw new AppError('csrf_invalid', 'This request came from another site and was refused.');
    }
    const token = req.cookies?.[SESSION_COOKIE];
    if (!token) return;
    const config = req.routeOptions.config as { policy?: string; csrfExempt?: boolean } | undefined;
    const r = await authenticateSession(deps.db, token, now);
    if (!r.ok) {
      clearSessionCookie(req, reply);
      // A stale cookie must not break public pages (or logging in again); elsewhere it is a 401
      // that tells the browser why.
      if (config?.policy === 'public' || req.routeOptions.url === undefined) return;
      throw new AppError('session_expired');
    }
    req.actor = r.actor;
    req.csrfToken = r.csrfToken;
    if (unsafe && !config?.csrfExempt) {
      const sent = req.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !safeEqual(sent, r.csrfToken)) throw new AppError('csrf_invalid');
    }
  });
}

import type { Actor } from './actor.js';
import type { Ctx } from './context.js';

/**
 * Route config every route declares. `policy` names who may call it:
 * - 'public': anyone, no login (rate-limit it);
 * - 'authenticated': any logged-in user or API key; the handler's policy decides the rest;
 * - any other string: the action name the module's policy checks (documentation and the access
 *   matrix test).
 * A route without a policy makes buildApp throw: no endpoint escapes the access matrix.
 */
export interface RouteConfig {
  policy: 'public' | 'authenticated' | (string & {});
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
    /** The request as a service context (actor, time, request id, ip). */
    ctx(): Ctx;
  }
  interface FastifyContextConfig {
    policy?: RouteConfig['policy'];
  }
}

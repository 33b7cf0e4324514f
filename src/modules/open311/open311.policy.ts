/**
 * Who may do what over Open311:
 * - reading services and requests is public; an API key (the `api_key` field, or the usual
 *   `Authorization: Bearer gz_…`) adds the cases of its own region scope, private ones included
 *   (still without names or phones);
 * - submitting a request needs an API key (the spec: 403 when it is missing or wrong); the cases
 *   module's intake policy then admits API keys on the `open311` channel.
 */
import type { Actor } from '../../platform/actor.js';
import type { Sql } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { authenticateApiKey } from '../identity/index.js';

/**
 * The actor of an Open311 call: the `api_key` field when given (a wrong one is 403), else whoever
 * the request already is (a Bearer key, a session, or anonymous).
 */
export async function open311Actor(sql: Sql, current: Actor, apiKey: string | undefined, now: Date): Promise<Actor> {
  if (apiKey === undefined || apiKey === '') return current;
  const actor = await authenticateApiKey(sql, apiKey.trim(), now);
  if (!actor) throw new AppError('forbidden', 'api_key: the key is wrong or revoked.', [{ field: 'api_key' }]);
  return actor;
}

/** POST requests: only integrations (API keys) submit through Open311. */
export function requireSubmitter(actor: Actor): void {
  if (actor.kind === 'api_key' || actor.kind === 'system') return;
  throw new AppError('forbidden', 'api_key: an API key is required to submit a service request.', [{ field: 'api_key' }]);
}

/**
 * Logging in and out, and turning a request's credentials into an Actor. Nothing is cached
 * across requests: every request reads its session or key (one indexed query joining the
 * grants), so a revoked session, a disabled user or a removed grant takes effect at once.
 */
import type { Actor } from '../../platform/actor.js';
import { inTx, type Ctx } from '../../platform/context.js';
import type { Database, Sql } from '../../platform/db.js';
import { AppError } from '../../platform/errors.js';
import { recordAudit } from '../audit/index.js';
import { dummyPasswordHash, parseApiKey, randomToken, safeEqual, sha256Hex, verifyPassword } from './credentials.js';
import * as repo from './identity.repository.js';

export const SESSION_COOKIE = 'gz_session';
export const SESSION_IDLE_MS = 8 * 3600_000;
export const SESSION_ABSOLUTE_MS = 7 * 24 * 3600_000;
export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60_000;
// last_seen_at / last_used_at are written at most this often: a write per request would make
// every read a write; the idle limit (hours) does not need second precision.
const TOUCH_EVERY_MS = 60_000;

export interface LoginResult {
  userId: number;
  /** The cookie value; only its sha256 is stored. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function login(db: Database, ctx: Ctx, input: { phone: string; password: string; userAgent: string | null }): Promise<LoginResult> {
  const user = await repo.findUserByPhone(db, input.phone);
  if (!user) {
    await verifyPassword(await dummyPasswordHash(), input.password);
    throw new AppError('invalid_credentials');
  }
  if (user.lockedUntil && user.lockedUntil > ctx.now) throw lockedError(user.lockedUntil, ctx.now);
  const ok = await verifyPassword(user.passwordHash, input.password);
  if (!ok) {
    const lockUntil = new Date(ctx.now.getTime() + LOCKOUT_MS);
    // Committed even though the request fails: the count is the point.
    const { locked } = await inTx(db, ctx, async (c) => {
      const r = await repo.recordFailedLogin(c.tx, user.id, MAX_FAILED_LOGINS, lockUntil);
      if (r.locked) {
        await recordAudit(c, { action: 'user.locked', targetType: 'user', targetId: user.id, after: { lockedUntil: lockUntil.toISOString(), failedLogins: MAX_FAILED_LOGINS } });
      }
      return r;
    });
    if (locked) throw lockedError(lockUntil, ctx.now);
    throw new AppError('invalid_credentials');
  }
  // Disabled accounts learn nothing more than a wrong password would tell them.
  if (user.disabled) throw new AppError('invalid_credentials');
  return inTx(db, ctx, async (c) => {
    await repo.resetFailedLogins(c.tx, user.id);
    const s = await createSession(c.tx, { userId: user.id, now: c.now, ip: c.ip, userAgent: input.userAgent });
    await recordAudit(c, { action: 'auth.login', targetType: 'user', targetId: user.id });
    return s;
  });
}

/** A new session for a user whose credentials were checked (by login, or by a test helper). */
export async function createSession(sql: Sql, s: { userId: number; now: Date; ip?: string | null; userAgent?: string | null }): Promise<LoginResult> {
  const token = randomToken(32);
  const csrfToken = randomToken(24);
  const expiresAt = new Date(s.now.getTime() + SESSION_ABSOLUTE_MS);
  await repo.insertSession(sql, { id: sha256Hex(token), userId: s.userId, csrfToken, now: s.now, expiresAt, ip: s.ip ?? null, userAgent: s.userAgent?.slice(0, 500) ?? null });
  return { userId: s.userId, token, csrfToken, expiresAt };
}

function lockedError(until: Date, now: Date): AppError {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new AppError('account_locked', `Too many failed logins; the account is locked until ${until.toISOString()}.`, { lockedUntil: until.toISOString() }, { 'retry-after': String(seconds) });
}

export async function logout(db: Database, ctx: Ctx, sessionId: string): Promise<void> {
  await inTx(db, ctx, async (c) => {
    if (await repo.revokeSession(c.tx, sessionId, c.now)) {
      const a = c.actor;
      await recordAudit(c, { action: 'auth.logout', targetType: 'user', targetId: a.kind === 'user' ? a.id : null });
    }
  });
}

export type SessionCheck =
  | { ok: true; actor: Extract<Actor, { kind: 'user' }>; csrfToken: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'disabled' };

/** The actor behind a session cookie, with idle and absolute expiry applied. */
export async function authenticateSession(sql: Sql, token: string, now: Date): Promise<SessionCheck> {
  if (token.length < 16 || token.length > 128) return { ok: false, reason: 'unknown' };
  const id = sha256Hex(token);
  const rows = await repo.loadSessionActor(sql, id);
  const s = rows[0];
  if (!s) return { ok: false, reason: 'unknown' };
  if (s.revokedAt) return { ok: false, reason: 'revoked' };
  if (s.disabled) return { ok: false, reason: 'disabled' };
  if (s.expiresAt <= now || now.getTime() - s.lastSeenAt.getTime() > SESSION_IDLE_MS) return { ok: false, reason: 'expired' };
  if (now.getTime() - s.lastSeenAt.getTime() > TOUCH_EVERY_MS) await repo.touchSession(sql, id, now);
  return { ok: true, actor: { kind: 'user', id: s.userId, name: s.name, grants: repo.toActorGrants(rows), sessionId: id }, csrfToken: s.csrfToken };
}

/** The actor behind an API key, or null for a malformed, unknown or revoked key. */
export async function authenticateApiKey(sql: Sql, key: string, now: Date): Promise<Extract<Actor, { kind: 'api_key' }> | null> {
  const parsed = parseApiKey(key);
  if (!parsed) return null;
  const rows = await repo.loadApiKeyActor(sql, parsed.prefix);
  const k = rows[0];
  if (!k || k.revokedAt || !safeEqual(k.keyHash, sha256Hex(key))) return null;
  if (!k.lastUsedAt || now.getTime() - k.lastUsedAt.getTime() > TOUCH_EVERY_MS) await repo.touchApiKey(sql, k.keyId, now);
  return { kind: 'api_key', id: k.keyId, name: k.name, grants: repo.toActorGrants(rows) };
}

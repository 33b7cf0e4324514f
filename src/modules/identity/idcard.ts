/**
 * Resident identity-card numbers (GB 11643-1999): 6-digit area code, 8-digit birth date,
 * 3-digit sequence, 1 check character. Validated by the check character and the birth date,
 * stored only encrypted (AES-256-GCM under a key derived from the installation secret) and shown
 * masked everywhere except to an admin over the holder's regions (see docs/security.md).
 */
import { maskPhone } from '../../platform/mask.js';
import crypto from 'node:crypto';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

export type IdCardProblem = 'format' | 'check_digit' | 'birth_date';

/** The check character for the first 17 digits. */
export function idCardCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/**
 * Validate an 18-character number. Returns the normalised number (upper-case X) or the problem.
 * The birth date must be a real calendar date, not before 1900 and not after `now`.
 */
export function validateIdCard(raw: string, now: Date = new Date()): { ok: true; value: string } | { ok: false; problem: IdCardProblem } {
  const v = raw.trim().toUpperCase();
  if (!/^[1-9][0-9]{16}[0-9X]$/.test(v)) return { ok: false, problem: 'format' };
  const y = Number(v.slice(6, 10));
  const m = Number(v.slice(10, 12));
  const d = Number(v.slice(12, 14));
  const birth = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || birth.getUTCFullYear() !== y || birth.getUTCMonth() !== m - 1 || birth.getUTCDate() !== d || birth.getTime() > now.getTime()) {
    return { ok: false, problem: 'birth_date' };
  }
  if (idCardCheckChar(v.slice(0, 17)) !== v[17]) return { ok: false, problem: 'check_digit' };
  return { ok: true, value: v };
}

/** "530102199001011234" → "5301**********1234": the area prefix and the last four only. */
export function maskIdCard(idCard: string): string {
  if (idCard.length < 8) return '*'.repeat(idCard.length);
  return `${idCard.slice(0, 4)}${'*'.repeat(idCard.length - 8)}${idCard.slice(-4)}`;
}


const ENC_VERSION = 'v1';

/** The field-encryption key: HKDF-SHA256 over the installation secret, one key per purpose. */
export function deriveKey(secret: string, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from('gongzhi/identity', 'utf8'), Buffer.from(purpose, 'utf8'), 32));
}

export function encryptField(secret: string, purpose: string, plain: string): string {
  const key = deriveKey(secret, purpose);
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', key, iv);
  // The purpose is authenticated too, so a ciphertext moved to another column does not decrypt.
  c.setAAD(Buffer.from(purpose, 'utf8'));
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return `${ENC_VERSION}:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
}

export function decryptField(secret: string, purpose: string, stored: string): string {
  const [version, body] = stored.split(':', 2);
  if (version !== ENC_VERSION || !body) throw new Error('unknown field-encryption format');
  const buf = Buffer.from(body, 'base64');
  const d = crypto.createDecipheriv('aes-256-gcm', deriveKey(secret, purpose), buf.subarray(0, 12));
  d.setAAD(Buffer.from(purpose, 'utf8'));
  d.setAuthTag(buf.subarray(12, 28));
  return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
}

export const ID_CARD_PURPOSE = 'app_user.id_card';

/** The installation secret (lives in platform/config.ts; re-exported for identity's callers). */
export { resolveSecret } from '../../platform/config.js';

export { maskPhone };

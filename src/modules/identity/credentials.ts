/**
 * Passwords, session tokens and API keys. Only hashes are stored: argon2id for passwords (slow on
 * purpose), sha256 for random tokens (they carry 256 bits of entropy, so a fast hash is enough and
 * keeps the per-request lookup cheap).
 */
import crypto from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../../platform/errors.js';

export const MIN_PASSWORD_LENGTH = 8;
// argon2 work grows with the input; the body limit already caps it, this keeps it sane.
export const MAX_PASSWORD_LENGTH = 128;

/** The problem with a password, or null when it meets the policy. */
export function passwordProblem(password: string, phone?: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  if (/^[0-9]+$/.test(password)) return 'must not be digits only';
  if (phone && password.includes(phone)) return 'must not contain the phone number';
  return null;
}

/** Throws `weak_password` naming the field when the password does not meet the policy. */
export function checkPasswordPolicy(password: string, phone?: string, field = 'password'): void {
  const problem = passwordProblem(password, phone);
  if (problem) throw new AppError('weak_password', `${field}: ${problem}`, [{ field, problem }]);
}

// @node-rs/argon2's default algorithm is argon2id (its const enum cannot be imported under
// isolatedModules); identity.test checks the hash says $argon2id$.
export const hashPassword = (password: string): Promise<string> => hash(password);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// A real hash of a random password, verified against when the phone is unknown so that a wrong
// phone and a wrong password take the same time.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex'));
  return dummyHash;
}

export const sha256Hex = (s: string): string => crypto.createHash('sha256').update(s, 'utf8').digest('hex');

export const randomToken = (bytes = 32): string => crypto.randomBytes(bytes).toString('base64url');

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** A new API key `gz_<prefix>_<secret>`: prefix 8 hex digits (shown in lists), secret 256 bits. */
export function newApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = crypto.randomBytes(4).toString('hex');
  const key = `gz_${prefix}_${randomToken(32)}`;
  return { key, prefix, hash: sha256Hex(key) };
}

const API_KEY = /^gz_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$/;

/** The prefix of a well-formed key, or null. */
export function parseApiKey(key: string): { prefix: string } | null {
  const m = API_KEY.exec(key);
  return m ? { prefix: m[1]! } : null;
}

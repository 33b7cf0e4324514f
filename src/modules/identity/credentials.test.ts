import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, hashPassword, newApiKey, parseApiKey, passwordProblem, safeEqual, sha256Hex, verifyPassword } from './credentials.js';
import { originVerdict } from './csrf.js';
import { AppError } from '../../platform/errors.js';

describe('password policy', () => {
  it('accepts 8+ characters that are not only digits', () => {
    expect(passwordProblem('demo-password')).toBeNull();
    expect(passwordProblem('abcdefg1')).toBeNull();
  });
  it('rejects short, digits-only and phone-containing passwords, naming the field', () => {
    expect(passwordProblem('abc123')).toMatch(/at least 8/);
    expect(passwordProblem('12345678')).toMatch(/digits only/);
    expect(passwordProblem('x13812341234', '13812341234')).toMatch(/phone/);
    try {
      checkPasswordPolicy('short', undefined, 'password');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('weak_password');
      expect((e as AppError).status).toBe(400);
      expect((e as AppError).details).toEqual([{ field: 'password', problem: 'must be at least 8 characters' }]);
    }
  });
});

describe('password hashing', () => {
  it('uses argon2id and verifies', async () => {
    const h = await hashPassword('correct horse');
    expect(h.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(h, 'correct horse')).toBe(true);
    expect(await verifyPassword(h, 'wrong horse')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });
});

describe('tokens and API keys', () => {
  it('hashes tokens with sha256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
  it('makes keys gz_<8 hex>_<43 base64url> and stores only their hash', () => {
    const k = newApiKey();
    expect(k.key).toMatch(/^gz_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
    expect(k.key.startsWith(`gz_${k.prefix}_`)).toBe(true);
    expect(k.hash).toBe(sha256Hex(k.key));
    expect(parseApiKey(k.key)).toEqual({ prefix: k.prefix });
    expect(parseApiKey('gz_nothex12_abc')).toBeNull();
    expect(parseApiKey(`${k.key}x`)).toBeNull();
    expect(newApiKey().key).not.toBe(k.key);
  });
  it('compares in constant time, length included', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('CSRF origin check', () => {
  it('same host is same-origin, whatever the scheme', () => {
    expect(originVerdict({ origin: 'http://localhost:3000', host: 'localhost:3000' })).toBe('same');
    expect(originVerdict({ origin: 'https://gov.example.cn', host: 'gov.example.cn' })).toBe('same');
    expect(originVerdict({ origin: 'https://GOV.example.cn', host: 'gov.example.cn' })).toBe('same');
  });
  it('another host, another port, "null" and garbage are cross-site', () => {
    expect(originVerdict({ origin: 'https://evil.example', host: 'gov.example.cn' })).toBe('cross');
    expect(originVerdict({ origin: 'http://localhost:4000', host: 'localhost:3000' })).toBe('cross');
    expect(originVerdict({ origin: 'null', host: 'localhost:3000' })).toBe('cross');
    expect(originVerdict({ origin: 'file:///x', host: 'localhost:3000' })).toBe('cross');
    expect(originVerdict({ origin: 'https://gov.example.cn.evil.example', host: 'gov.example.cn' })).toBe('cross');
  });
  it('falls back to the Referer, and is absent when neither is sent', () => {
    expect(originVerdict({ referer: 'https://evil.example/form', host: 'gov.example.cn' })).toBe('cross');
    expect(originVerdict({ referer: 'https://gov.example.cn/cases', host: 'gov.example.cn' })).toBe('same');
    expect(originVerdict({ host: 'gov.example.cn' })).toBe('absent');
  });
});

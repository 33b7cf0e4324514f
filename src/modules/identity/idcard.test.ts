import { describe, expect, it } from 'vitest';
import { decryptField, encryptField, idCardCheckChar, maskIdCard, maskPhone, resolveSecret, validateIdCard } from './idcard.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const NOW = new Date('2025-06-01T00:00:00Z');

describe('GB 11643 ID-card numbers', () => {
  it('accepts real-format numbers with the right check character (including X)', () => {
    // The standard's own examples, and a Kunming (5301) one built with the algorithm.
    expect(validateIdCard('11010519491231002X', NOW)).toEqual({ ok: true, value: '11010519491231002X' });
    expect(validateIdCard('440524188001010014', NOW).ok).toBe(false); // born 1880: before 1900
    expect(validateIdCard('11010519491231002x', NOW)).toEqual({ ok: true, value: '11010519491231002X' });
    const first17 = '53010219900307123';
    const full = first17 + idCardCheckChar(first17);
    expect(validateIdCard(full, NOW)).toEqual({ ok: true, value: full });
  });

  it('computes the check character with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, mod 11 → 10X98765432', () => {
    expect(idCardCheckChar('11010519491231002')).toBe('X');
    expect(idCardCheckChar('44052418800101001')).toBe('4');
    expect(idCardCheckChar('00000000000000000')).toBe('1');
  });

  it('rejects a wrong check digit', () => {
    expect(validateIdCard('110105194912310021', NOW)).toEqual({ ok: false, problem: 'check_digit' });
  });

  it('rejects impossible or future birth dates', () => {
    const withCheck = (s: string) => s + idCardCheckChar(s);
    expect(validateIdCard(withCheck('53010219900230123'), NOW)).toEqual({ ok: false, problem: 'birth_date' }); // 30 February
    expect(validateIdCard(withCheck('53010219901301123'), NOW)).toEqual({ ok: false, problem: 'birth_date' }); // month 13
    expect(validateIdCard(withCheck('53010220300101123'), NOW)).toEqual({ ok: false, problem: 'birth_date' }); // future
    expect(validateIdCard(withCheck('53010220000229123'), NOW).ok).toBe(true); // a leap day
  });

  it('rejects bad formats', () => {
    for (const bad of ['', '53010219900307123', '5301021990030712345', '05010219900307123X', '5301021990030712XX', '53010219900307１２３4']) {
      expect(validateIdCard(bad, NOW)).toEqual({ ok: false, problem: 'format' });
    }
  });
});

describe('masking', () => {
  it('shows an ID card as area prefix and last four', () => {
    expect(maskIdCard('530102199003071234')).toBe('5301**********1234');
  });
  it('shows a phone as 138****1234', () => {
    expect(maskPhone('13812341234')).toBe('138****1234');
    // One rule everywhere (platform/mask.ts): other numbers keep only their last 4 digits.
    expect(maskPhone('123')).toBe('****');
    expect(maskPhone('0871-64123456')).toBe('*********3456');
  });
});

describe('field encryption', () => {
  const secret = 'a-test-secret-of-at-least-32-characters!!';
  it('round-trips, with a fresh IV each time', () => {
    const a = encryptField(secret, 'p', '11010519491231002X');
    const b = encryptField(secret, 'p', '11010519491231002X');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:/);
    expect(a).not.toContain('1949');
    expect(decryptField(secret, 'p', a)).toBe('11010519491231002X');
  });
  it('fails with another secret, another purpose, or a tampered ciphertext', () => {
    const a = encryptField(secret, 'p', '11010519491231002X');
    expect(() => decryptField(`${secret}x`, 'p', a)).toThrow();
    expect(() => decryptField(secret, 'q', a)).toThrow();
    const raw = Buffer.from(a.slice(3), 'base64');
    raw[raw.length - 1]! ^= 1;
    expect(() => decryptField(secret, 'p', `v1:${raw.toString('base64')}`)).toThrow();
  });
  it('without GONGZHI_SECRET, keeps a generated secret in <dataDir>/secret.key (mode 0600)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-secret-'));
    const s1 = resolveSecret({ secret: undefined, dataDir: dir });
    const s2 = resolveSecret({ secret: undefined, dataDir: dir });
    expect(s1).toBe(s2);
    expect(s1.length).toBeGreaterThanOrEqual(40);
    expect(fs.statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(resolveSecret({ secret: 'configured', dataDir: dir })).toBe('configured');
    fs.rmSync(dir, { recursive: true });
  });
});

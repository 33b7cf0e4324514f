import { describe, expect, it } from 'vitest';
import { copyChunks, copyField, copyLine, copyStatement } from './copy.js';

describe('COPY text format', () => {
  it('escapes the delimiter, the line ends and the backslash; \\N is NULL; the empty string stays empty', () => {
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('')).toBe('');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
    expect(copyField('\\.')).toBe('\\\\.');
    expect(copyField('昆明 🚲 "x" \'y\' ,;')).toBe('昆明 🚲 "x" \'y\' ,;');
  });

  it('writes booleans, numbers, bigints and dates as PostgreSQL reads them', () => {
    expect(copyField(true)).toBe('t');
    expect(copyField(false)).toBe('f');
    expect(copyField(-1.5)).toBe('-1.5');
    expect(copyField(0)).toBe('0');
    expect(copyField(12345678901234567890n)).toBe('12345678901234567890');
    expect(copyField(new Date(Date.UTC(2026, 10, 29, 1, 2, 3, 4)))).toBe('2026-11-29T01:02:03.004Z');
  });

  it('refuses what PostgreSQL cannot store or read back: NUL, NaN, Infinity', () => {
    expect(() => copyField('a\u0000b')).toThrow(/NUL/);
    expect(() => copyField(Number.NaN)).toThrow(/finite/);
    expect(() => copyField(Number.POSITIVE_INFINITY)).toThrow(/finite/);
  });

  it('a row is its fields joined by tabs, ended by a newline', () => {
    expect(copyLine(['a', null, '', 1, 'x\ty'])).toBe('a\t\\N\t\t1\tx\\ty\n');
  });

  it('chunks many rows into few buffers and checks each row has one value per column', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => [String(i), '昆明市五华区']);
    const chunks: Buffer[] = [];
    for await (const c of copyChunks(rows, 2)) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(100);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(text.split('\n')).toHaveLength(20_001);
    expect(text.startsWith('0\t昆明市五华区\n1\t')).toBe(true);
    await expect(async () => {
      for await (const c of copyChunks([['a', 'b'], ['c']], 2)) void c;
    }).rejects.toThrow(/1 values for 2 columns/);
  });

  it('passes encoded bytes through unchanged', async () => {
    const bytes = Buffer.from(copyLine(['a', 'b']).repeat(300_000));
    const out: Buffer[] = [];
    for await (const c of copyChunks(bytes, 2)) out.push(c);
    expect(Buffer.concat(out).equals(bytes)).toBe(true);
  });

  it('quotes table and column names and refuses anything else', () => {
    expect(copyStatement('pg_temp.stage', ['a', 'b_2'], 'STDIN')).toBe('COPY "pg_temp"."stage" ("a", "b_2") FROM STDIN');
    expect(() => copyStatement('t; DROP TABLE x', ['a'], 'STDIN')).toThrow(/table name/);
    expect(() => copyStatement('t', ['a"b'], 'STDIN')).toThrow(/column name/);
    expect(() => copyStatement('t', [], 'STDIN')).toThrow(/no columns/);
  });
});

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../../web/src/i18n/en.json' with { type: 'json' };
import zh from '../../web/src/i18n/zh-CN.json' with { type: 'json' };

function keys(o: Record<string, unknown>, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe('web i18n', () => {
  const zhKeys = new Set(keys(zh));
  const enKeys = new Set(keys(en));

  it('zh-CN and en have the same keys', () => {
    expect([...zhKeys].filter((k) => !enKeys.has(k))).toEqual([]);
    expect([...enKeys].filter((k) => !zhKeys.has(k))).toEqual([]);
  });

  it('no value is empty, and English has no Chinese left in it', () => {
    const flat = (o: Record<string, unknown>): string[] => Object.values(o).flatMap((v) => (v && typeof v === 'object' ? flat(v as Record<string, unknown>) : [String(v)]));
    expect(flat(zh).filter((v) => v.trim() === '')).toEqual([]);
    // The language switch itself says 中文, which lives in the component, not in en.json.
    expect(flat(en).filter((v) => /[\u4e00-\u9fff]/.test(v))).toEqual([]);
  });

  it("every literal key the app passes to t('…') exists", () => {
    const missing: string[] = [];
    for (const file of sources(path.resolve('web/src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\('([a-zA-Z][\w.-]*)'/g)) if (!zhKeys.has(m[1]!)) missing.push(`${path.basename(file)}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });

  it('every translated error code is a code of the API catalogue (no stale translations)', async () => {
    const { ERRORS } = await import('../../src/platform/errors.js');
    const clientOnly = new Set(['errors.unknown', 'errors.network_error']);
    const stale = [...zhKeys].filter((k) => k.startsWith('errors.') && !clientOnly.has(k) && !(k.slice('errors.'.length) in ERRORS));
    expect(stale).toEqual([]);
  });

  it('every code of the API catalogue a person can meet in the app is translated', async () => {
    const { ERRORS } = await import('../../src/platform/errors.js');
    // Met only by an operator at the command line or in the server log, never in the app.
    const serverOnly = new Set(['data_dir_locked', 'config_invalid', 'migration_failed', 'audit_chain_broken']);
    expect(Object.keys(ERRORS).filter((c) => !serverOnly.has(c) && !zhKeys.has(`errors.${c}`))).toEqual([]);
  });

  it('the codes people meet while logging in, reporting and working a case are translated', () => {
    // Codes without a translation still show the server's English message (api/errors.ts).
    const met = ['validation_failed', 'unauthenticated', 'forbidden', 'csrf_invalid', 'not_found', 'conflict', 'invalid_state', 'payload_too_large', 'unsupported_media_type',
      'rate_limited', 'internal', 'database_unavailable', 'invalid_credentials', 'account_locked', 'session_expired', 'phone_taken', 'weak_password', 'region_not_found',
      'location_outside_regions', 'import_invalid', 'idempotency_key_reused', 'category_not_found', 'extension_too_late'];
    expect(met.filter((c) => !zhKeys.has(`errors.${c}`))).toEqual([]);
  });
});

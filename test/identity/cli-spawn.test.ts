/**
 * The real binary: `gongzhi apikey create` prints the key alone on stdout (so a script can
 * capture it), on a fresh embedded database in a temporary data folder. Slow (~15 s: a new
 * PGlite with PostGIS and every migration), so one test.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('gongzhi apikey create (spawned)', () => {
  it('prints the new key alone on its own line of stdout; the rest goes to stderr', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gz-cli-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, GONGZHI_DATA_DIR: dir, GONGZHI_SECRET: 'cli-test-secret-0123456789abcdef0123', LOG_LEVEL: 'silent' };
      // Always the embedded engine in the temp folder, also under test:pg.
      delete env.DATABASE_URL;
      const { stdout, stderr } = await run(process.execPath, ['bin/gongzhi.js', 'apikey', 'create', '--name', '12345 热线'], { env, timeout: 120_000 });
      expect(stdout).toMatch(/^gz_[0-9a-f]{8}_[A-Za-z0-9_-]{43}\n$/);
      expect(stderr).toContain('shown only this once');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

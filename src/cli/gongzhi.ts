/** Entry point of the `gongzhi` binary (bin/gongzhi.js loads it). */
import { CommanderError } from 'commander';
import { isAppError } from '../platform/errors.js';
import { buildProgram } from './program.js';

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    if (isAppError(e)) {
      process.stderr.write(`gongzhi: ${e.message}\n`);
      // A bad configuration is the operator's input, like a bad argument: exit 2.
      process.exitCode = e.status >= 500 && e.code !== 'config_invalid' ? 1 : 2;
      return;
    }
    const typed = e as { code?: unknown; exitCode?: unknown; message?: string };
    if (typeof typed.code === 'string' && typeof typed.exitCode === 'number') {
      // A module's own typed error (e.g. the index engine's): its message is for the user.
      process.stderr.write(`gongzhi: ${typed.message}\n`);
      process.exitCode = typed.exitCode;
      return;
    }
    process.stderr.write(`gongzhi: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}

await main();

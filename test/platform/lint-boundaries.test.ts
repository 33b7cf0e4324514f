/**
 * The module-boundary rule of `npm run lint` (eslint-rules/module-boundaries.js), run through the
 * project's real ESLint configuration on code placed at different paths.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: path.resolve('.') });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.resolve(file) });
  return r!.messages.filter((m) => m.ruleId === 'gongzhi/module-boundaries').map((m) => m.message);
}

describe('lint: module boundaries', () => {
  it("another module reaching into a module's files is an error, naming the index to use", async () => {
    const errors = await boundaryErrors(
      'src/modules/cases/x.ts',
      `import { a } from '../regions/regions.repository.js';\nexport { b } from '../regions/deep/thing.js';\nexport * from '../regions/c.js';\nimport type { T } from '../regions/regions.types.js';\nexport const f = () => import('../regions/lazy.js');\nexport type { T };\nexport { a };\n`,
    );
    expect(errors).toHaveLength(5);
    expect(errors[0]).toContain('import it through src/modules/regions/index.ts');
  });

  it('through index.ts is fine, and so are imports inside the same module', async () => {
    expect(await boundaryErrors('src/modules/cases/x.ts', `import { a } from '../regions/index.js';\nimport { b } from './cases.service.js';\nimport { c } from '../types.js';\nexport { a, b, c };\n`)).toEqual([]);
  });

  it('app, CLI and tests of other modules obey it too; a module\'s own tests and test helper may reach in', async () => {
    expect(await boundaryErrors('src/cli/x.ts', `export { a } from '../modules/audit/audit.service.js';\n`)).toHaveLength(1);
    expect(await boundaryErrors('test/cases/x.test.ts', `export { a } from '../../src/modules/regions/regions.repository.js';\n`)).toHaveLength(1);
    expect(await boundaryErrors('test/regions/x.test.ts', `export { a } from '../../src/modules/regions/regions.repository.js';\n`)).toEqual([]);
    expect(await boundaryErrors('test/helpers/regions.ts', `export { a } from '../../src/modules/regions/regions.repository.js';\n`)).toEqual([]);
    expect(await boundaryErrors('test/access/regions.access.ts', `export { a } from '../../src/modules/regions/regions.repository.js';\n`)).toEqual([]);
    expect(await boundaryErrors('test/helpers/other.ts', `export { a } from '../../src/modules/regions/regions.repository.js';\n`)).toHaveLength(1);
    expect(await boundaryErrors('test/access/cases.access.ts', `export { a } from '../../src/modules/regions/regions.repository.js';\n`)).toHaveLength(1);
  });

  it('src/platform imports nothing from src/modules, not even an index or types', async () => {
    const errors = await boundaryErrors('src/platform/x.ts', `import { a } from '../modules/audit/index.js';\nimport type { M } from '../modules/types.js';\nexport type { M };\nexport { a };\n`);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toContain('src/platform must not import from src/modules');
  });
});

/**
 * gongzhi's module boundaries (docs/ARCHITECTURE.md):
 * - code outside src/modules/X/ reaches module X only through src/modules/X/index.ts;
 * - src/platform is below every module: it imports nothing from src/modules.
 * A module's own test code is inside the fence: src/modules/X/**, test/X/**, and files under test/
 * named after it (test/helpers/X.ts, test/access/X.access.ts) may import X's files: tests are not
 * other modules, production code is.
 * Checked on every relative import, re-export and literal dynamic import (type-only ones too:
 * a type from a module's internals is a dependency on them all the same).
 */
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function rel(file) {
  return path.relative(ROOT, file).split(path.sep).join('/');
}

/** 'src/modules/cases/cases.service.ts' -> { name: 'cases', inner: 'cases.service.ts' } */
function moduleOf(relPath) {
  const m = /^src\/modules\/([^/]+)\/(.*)$/.exec(relPath);
  return m ? { name: m[1], inner: m[2] } : undefined;
}

const isIndex = (inner) => /^index(\.(js|ts|mjs|mts))?$/.test(inner);

/** @type {import('eslint').Rule.RuleModule} */
const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'other code imports a module only through its index.ts; src/platform imports no module' },
    schema: [],
    messages: {
      internal:
        "'{{spec}}' reaches into module '{{module}}' ({{target}}): import it through src/modules/{{module}}/index.ts (export what you need there).",
      platform: "src/platform must not import from src/modules ('{{spec}}'): the platform is below every module.",
    },
  },
  create(context) {
    const filename = context.filename ?? context.getFilename();
    const from = rel(filename);
    if (from.startsWith('..')) return {};
    const fromModule = moduleOf(from);
    // test/X/…, or a file named X.ts / X.<anything>.ts anywhere under test/ (test/helpers/X.ts,
    // test/access/X.access.ts): module X's own test code.
    const testOwners = from.startsWith('test/')
      ? [/^test\/([^/]+)\//.exec(from)?.[1], /\/([^/.]+)(\.[^/]*)?\.[cm]?[jt]sx?$/.exec(from)?.[1]]
      : [];
    const inPlatform = from.startsWith('src/platform/');

    function check(node, source) {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const spec = source.value;
      const target = rel(path.resolve(path.dirname(filename), spec));
      if (inPlatform && (target === 'src/modules' || target.startsWith('src/modules/'))) {
        context.report({ node: source, messageId: 'platform', data: { spec } });
        return;
      }
      const to = moduleOf(target);
      if (!to || isIndex(to.inner)) return;
      if (fromModule?.name === to.name || testOwners.includes(to.name)) return;
      context.report({ node: source, messageId: 'internal', data: { spec, module: to.name, target } });
    }

    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => (node.source.type === 'Literal' ? check(node, node.source) : undefined),
    };
  },
};

export default {
  meta: { name: 'gongzhi' },
  rules: { 'module-boundaries': rule },
};

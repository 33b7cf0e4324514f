// @ts-check
/**
 * `npm run lint`: ESLint's and typescript-eslint's recommended rules (syntax-based, so a full run
 * stays fast) and gongzhi's module boundaries (eslint-rules/module-boundaries.js).
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import gongzhi from './eslint-rules/module-boundaries.js';

export default tseslint.config(
  {
    // Dot-files and dot-folders are scratch space (.pg-local, probes), never part of the build.
    ignores: ['node_modules/**', 'data/**', 'dist/**', 'web/dist/**', 'coverage/**', '**/*.d.ts', '**/.*', '**/.*/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: {
        // Node 20 globals used by scripts and the server (no browser globals outside web/).
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        Blob: 'readonly',
      },
    },
    plugins: { gongzhi },
    rules: {
      'gongzhi/module-boundaries': 'error',
      // Hygiene, not bugs: reported (CI prints them) without failing the run.
      'prefer-const': 'warn',
      // `_`-prefixed names are deliberately unused (a handler's signature, a skipped tuple slot).
      '@typescript-eslint/no-unused-vars': [
        'warn',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // The web app's sources carry `eslint-disable … react-hooks/exhaustive-deps` comments, but
    // eslint-plugin-react-hooks is not installed: this stand-in only makes those names known.
    // Replace it with the real plugin's recommended config once it is a devDependency.
    files: ['web/**/*.{ts,tsx,js,jsx}'],
    linterOptions: { reportUnusedDisableDirectives: 'off' },
    plugins: {
      'react-hooks': {
        rules: {
          'exhaustive-deps': { meta: { schema: false }, create: () => ({}) },
          'rules-of-hooks': { meta: { schema: false }, create: () => ({}) },
        },
      },
    },
  },
);

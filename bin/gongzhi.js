#!/usr/bin/env node
// The gongzhi binary: runs the TypeScript CLI through tsx's loader (no build step to forget).
import { register } from 'tsx/esm/api';
register();
await import('../src/cli/gongzhi.ts');

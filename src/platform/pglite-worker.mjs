// The embedded engine's thread (pglite-engine.ts). A worker does not inherit the TypeScript loader
// the main thread registered through tsx's API (bin/gongzhi.js), nor vitest's: register it here.
import { register } from 'tsx/esm/api';

register();
await import('./pglite-engine.ts');

/** The regions module's public surface (being built). */
import type { ModuleManifest } from '../types.js';

export const manifest: ModuleManifest = { name: 'regions' };

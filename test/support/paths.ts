import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const binDir = process.env.PRISM_BIN_DIR ?? join(repoRoot, 'bin');
export const crdDir = join(repoRoot, 'config', 'crd', 'bases');

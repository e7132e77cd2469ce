import { fileURLToPath } from 'node:url';

// The package's root folder (dist/esm/ → ../..); the ES module twin of src/locate.ts.
export const packageRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '');

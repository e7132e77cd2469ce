import * as path from 'node:path';

// The package's root folder (dist/cjs/ → ../..). The ES module build has no __dirname:
// scripts/build.sh writes dist/esm/locate.js with the import.meta.url form instead.
export const packageRoot: string = path.resolve(__dirname, '..', '..');

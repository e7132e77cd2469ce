import path = require('node:path');

// The package's root folder (dist/cjs/ → ../..): where native/, pkg/ and package.json are.
export const packageRoot: string = path.resolve(__dirname, '..', '..');

// The ES module entry of `portplan/vite`: the CommonJS build itself (see index.js).
import vite from '../cjs/vite.js';

export * from '../cjs/vite.js';
export default vite.default;

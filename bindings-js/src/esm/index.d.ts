export * from '../cjs/index.js';
export { default } from '../cjs/index.js';

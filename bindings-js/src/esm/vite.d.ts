import { portplan } from '../cjs/vite.js';

export * from '../cjs/vite.js';
export default portplan;

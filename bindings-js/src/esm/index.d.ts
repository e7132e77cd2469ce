export * from '../cjs/index.js';

import * as portplan from '../cjs/index.js';
export default portplan;

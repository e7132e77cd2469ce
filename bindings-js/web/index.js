// portplan/web: the plan in browsers (and any ES module runtime with WebAssembly).
//   import { init, plan } from 'portplan/web';
//   await init();                        // fetches portplan_wasm_bg.wasm beside this file
//   plan({ services: { web: true } });   // → the core's plan answer, or {error: {...}}
import initWasm, { plan as planRequest } from './portplan_wasm.js';

let ready;

/**
 * Loads the WebAssembly module once. `source` (optional) is where to get it: a URL, a
 * Response, the bytes, or a WebAssembly.Module; default: the file next to this module.
 */
export function init(source) {
  ready ??= initWasm(source === undefined ? undefined : { module_or_path: source });
  return ready.then(() => undefined);
}

// The module reads the request object recursively: a cycle, or absurd nesting, would
// overflow its stack, so such a request is answered here instead.
const MAX_DEPTH = 64;

function nestsTooDeep(value, depth) {
  if (value === null || typeof value !== 'object') return false;
  if (depth >= MAX_DEPTH) return true;
  return Object.values(value).some((member) => nestsTooDeep(member, depth + 1));
}

function invalidRequest(message) {
  return { error: { kind: 'invalid_request', message } };
}

/**
 * Plans `config` (an object, or TOML/JSON text) against `busy` ports. Returns the core's
 * answer as a plain object: `{plan, namespace, range, layout, hash, exclude}` or
 * `{error: {kind, message, ...}}`; never throws.
 */
export function plan(config, { busy = [] } = {}) {
  let request;
  try {
    request = { config, busy: [...busy] };
  } catch (error) {
    return invalidRequest(`busy must be an iterable of ports: ${error.message}`);
  }
  if (nestsTooDeep(request, 0)) {
    return invalidRequest(`the request nests deeper than ${MAX_DEPTH} levels, or holds a cycle`);
  }
  return planRequest(request);
}

// portplan/web: the plan in browsers (and any ES module runtime with WebAssembly).
//   import { init, plan } from 'portplan/web';
//   await init();                        // fetches portplan_wasm_bg.wasm beside this file
//   plan({ services: { web: true } });   // → the core's plan answer, or {error: {...}}
import initWasm, { plan_json } from './portplan_wasm.js';

let ready;

/**
 * Loads the WebAssembly module once. `source` (optional) is where to get it: a URL, a
 * Response, the bytes, or a WebAssembly.Module; default: the file next to this module.
 */
export function init(source) {
  ready ??= initWasm(source === undefined ? undefined : { module_or_path: source });
  return ready.then(() => undefined);
}

/**
 * Plans `config` (an object, or TOML/JSON text) against `busy` ports. Returns the core's
 * JSON answer unchanged: `{plan, namespace, range, layout, hash}` or `{error: {kind, message}}`.
 */
export function plan(config, { busy = [] } = {}) {
  let request;
  try {
    request = JSON.stringify({ config, busy: [...busy] });
  } catch (error) {
    // A BigInt or a cycle: answer like the core does for any request it cannot read.
    return { error: { kind: 'invalid_request', message: `the request is not a JSON value: ${error.message}` } };
  }
  return JSON.parse(plan_json(request));
}

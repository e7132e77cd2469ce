// `node serve.mjs [PORT]` serves the page alone (no project: the examples, `make preview`) on
// 127.0.0.1 and prints the URL. PORT 0 (the default) picks a free one. The server is the one
// `portplan preview` uses (src/previewServer.ts, built by `make build-js`); the browser tests
// import `serve` to run the page on a port of their own.

import { fileURLToPath } from 'node:url';
import previewServer from '../dist/cjs/previewServer.js';

/** Serves the page in `root` on 127.0.0.1:`port`; resolves to the listening server and its URL. */
export function serve(root = fileURLToPath(new URL('.', import.meta.url)), port = 0) {
  return previewServer.servePreview({ port, pageDir: root });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wanted = Number(process.argv[2] ?? 0);
  const port = Number.isInteger(wanted) && wanted >= 0 && wanted <= 65535 ? wanted : 0;
  const started = serve(undefined, port).catch((e) => {
    if (port === 0) throw e;
    console.error(
      `portplan preview: 127.0.0.1:${port} is not available (${e.code ?? e.message}); using a free port instead`,
    );
    return serve(undefined, 0);
  });
  started.then(
    ({ url }) => console.log(`portplan preview: ${url}  (Ctrl-C to stop)`),
    (e) => {
      console.error(`portplan preview: cannot serve: ${e.message}`);
      process.exit(1);
    },
  );
}

# The browser preview (bindings-js/preview/): a static page on the `portplan/web` wasm engine.
#   make preview        build, then serve the page on 127.0.0.1 and print its URL
#   make test-preview   the page's tests in headless Chromium (screenshots: tests/artifacts/preview/)
PREVIEW := bindings-js/preview
PREVIEW_PKG := $(PREVIEW)/pkg
PREVIEW_FILES := index.js portplan_wasm.js portplan_wasm_bg.wasm
PREVIEW_TESTS := test-preview
# `make preview PREVIEW_PORT=8080` serves on a fixed port; empty: portplan picks one.
PREVIEW_PORT ?=

.PHONY: build-preview preview test-preview

# The servable folder: the page plus the web engine that `make build-js` produced, in pkg/.
build-preview: build-js
	mkdir -p $(PREVIEW_PKG)
	cp $(addprefix bindings-js/web/,$(PREVIEW_FILES)) $(PREVIEW_PKG)/

# The port: PREVIEW_PORT, else the one portplan itself gives the service `preview` (the
# repository's namespace, a lease in your registry), else any free port.
preview: build-preview
	@port='$(PREVIEW_PORT)'; \
	if [ -z "$$port" ]; then \
		port=$$(node bindings-js/bin/portplan.js get preview 2>/dev/null) || port=0; \
	fi; \
	exec node $(PREVIEW)/serve.mjs "$$port"

test-preview: build-preview
	scripts/tools.sh chromium
	cd $(PREVIEW)/test && npm install --no-audit --no-fund --loglevel=error
	mkdir -p tests/artifacts/preview
	cd $(PREVIEW)/test && PREVIEW_ARTIFACTS=$(CURDIR)/tests/artifacts/preview node --test --test-reporter=spec --test-concurrency=1 preview.test.mjs

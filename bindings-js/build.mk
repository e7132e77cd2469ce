# The npm package (bindings-js/): native addon, wasm engines, TypeScript, tests.
.PHONY: build-js test-js

build-js:
	bindings-js/scripts/build.sh

test-js: build-js
	cd bindings-js && PORTPLAN_ENGINE=native node --test --test-concurrency=1 test/*.test.js
	cd bindings-js && PORTPLAN_ENGINE=wasm node --test --test-concurrency=1 test/*.test.js

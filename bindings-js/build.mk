# The npm package (bindings-js/): native addon, wasm engines, TypeScript, tests.
#   make build-js           build in place (scripts/build.sh)
#   make test-js            the package's tests in both engines, `run` with real vite and astro
#                           (test/tools/, installed once with npm into ~/.cache/portplan-tools/npm), and check-package-js
#   make check-package-js   pack as published; attw, publint; install the tarballs and use them
#   make lint-js            Biome (lint + format) and tsc --strict
#   make pack-js            the tarballs in target/npm-pack/ (main + this host's platform package)
#   make test-js-tools      the packed tarballs with the real JS tools (tests/js-tools/run.sh): tsc 5.9,
#                           6 and 7, Express, Vitest and Jest workers, npm exec vite, turbo, the READMEs'
#                           examples (tools installed once with npm into ~/.cache/portplan-tools/npm)
.PHONY: build-js test-js check-package-js lint-js format-js pack-js test-js-tools

build-js:
	bindings-js/scripts/build.sh

test-js: build-js check-package-js
	cd bindings-js && PORTPLAN_ENGINE=native node --test --test-concurrency=1 test/*.test.js
	cd bindings-js && PORTPLAN_ENGINE=wasm node --test --test-concurrency=1 test/*.test.js
	cd bindings-js && node --test wasm/test/
	cd bindings-js && node --test --test-concurrency=1 test/tools/

check-package-js: build-js
	bindings-js/scripts/check-package.sh

pack-js: build-js
	bindings-js/scripts/pack.sh target/npm-pack

# Packs into a folder of its own (check-package-js empties target/npm-pack when it runs).
test-js-tools: build-js
	rm -rf target/npm-pack-tools
	bindings-js/scripts/pack.sh target/npm-pack-tools > /dev/null
	tests/js-tools/run.sh target/npm-pack-tools

# Biome checks everything it is configured for (biome.json), the preview's JS included: the
# recommended rules but noNonNullAssertion (a `!` marks what the core guarantees; tsc --strict
# checks the rest), single quotes, 120 columns.
lint-js: build-js
	cd bindings-js && node_modules/.bin/biome check .
	cd tests/js-tools && ../../bindings-js/node_modules/.bin/biome check .
	cd bindings-js && node_modules/.bin/tsc -p tsconfig.json --noEmit

format-js: build-js
	cd bindings-js && node_modules/.bin/biome check --write .
	cd tests/js-tools && ../../bindings-js/node_modules/.bin/biome check --write .

# portplan: every engine, built and tested from one place.
#   make demo   set everything up, then print the plan of examples/portplan.toml (read-only)
#   make test   set everything up, then run every test, linter and check; fails if it changed the tree
#   make build  build every engine in place (core, Python package in .venv, npm package)
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Slow tool installs (wasm-bindgen-cli, cargo-fuzz, actionlint) are cached here, outside the repo.
TOOLS ?= $(or $(PORTPLAN_TOOLS),$(HOME)/.cache/portplan-tools)
export PORTPLAN_TOOLS := $(TOOLS)
export PATH := $(TOOLS)/bin:$(PATH)
VENV := $(CURDIR)/.venv

.PHONY: help build test test-steps demo bench test-core
help:
	@sed -n '2,4p' Makefile | sed 's/^# *//'

# Each binding's targets (build-python, test-python, build-js, test-js, ...) live beside it.
include bindings-python/build.mk
include bindings-js/build.mk
-include tests/build.mk
-include bindings-js/preview/build.mk
-include bench/build.mk
# The other platforms from here: cross checks, the PE import check, licenses, the Wine lane.
include tests/platforms/build.mk
# End to end: URLs in a real browser, who, Compose (issue 27).
-include tests/e2e/build.mk

build: build-python build-js

# The linters the bindings' build.mk files define (their package checks, check-package-js
# and check-package-python, run inside test-js and test-python).
BINDING_CHECKS := lint-js lint-python

# Cheap checks first, so a missing tool or a lint error stops the run before the long builds.
TEST_STEPS := check-hosts lint-rust check-workflows lint-shell lint-shell-platforms test-setup check-pe \
	test-core check-cross test-fuzz test-python test-js check-licenses $(PREVIEW_TESTS) $(CROSS_TESTS) \
	test-js-tools test-wine $(E2E_TESTS) $(BINDING_CHECKS)

# Every step, then the check that building and testing left the work tree as it was
# (scripts/tree-state.sh names each file that appeared or changed).
test:
	@state=$$(mktemp); trap 'rm -f "$$state"' EXIT; \
	scripts/tree-state.sh snapshot "$$state"; \
	$(MAKE) --no-print-directory test-steps; \
	scripts/tree-state.sh compare "$$state" "make test"

test-steps: $(TEST_STEPS)

test-core:
	cargo test --workspace

demo: build-python
	$(VENV)/bin/portplan --config examples/portplan.toml plan

# What nothing here can install: Node.js 20.19+ with npm, and a python3 that makes venvs.
.PHONY: check-hosts
check-hosts:
	scripts/tools.sh node python-venv

# Rust style and lints of the whole workspace (rustfmt and clippy installed if missing).
.PHONY: lint-rust
lint-rust:
	scripts/tools.sh rust-lint
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings

# The GitHub workflows (.github/workflows) with actionlint, their run: scripts with
# shellcheck; and the repository's own shell scripts with shellcheck.
.PHONY: check-workflows lint-shell
check-workflows:
	scripts/tools.sh actionlint
	actionlint -shellcheck=$(TOOLS)/bin/shellcheck -pyflakes=
lint-shell:
	scripts/tools.sh actionlint
	shellcheck -x scripts/*.sh scripts/tests/*.sh tests/tools/*.sh tests/e2e/*.sh tests/js-tools/*.sh .ci/run

# The scripts' own tests: tools missing from PATH and fake installers, a changed tree,
# manifests whose versions disagree.
.PHONY: test-setup
test-setup:
	scripts/tests/test_tools.sh
	scripts/tests/test_tree_state.sh
	scripts/tests/test_versions.sh

# Fuzzing (cargo-fuzz on stable via RUSTC_BOOTSTRAP): a short run in `make test`, longer here.
.PHONY: fuzz test-fuzz
fuzz:
	scripts/fuzz.sh 300
test-fuzz:
	scripts/fuzz.sh 15

# portplan: every engine, built and tested from one place.
#   make demo   set everything up, then print and allocate the plan of examples/portplan.toml
#   make test   set everything up, then run every test of every engine
#   make build  build every engine in place (core, Python package in .venv, npm package)
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Slow tool installs (wasm-bindgen-cli, cargo-fuzz) are cached here, outside the repo.
TOOLS ?= $(or $(PORTPLAN_TOOLS),$(HOME)/.cache/portplan-tools)
export PORTPLAN_TOOLS := $(TOOLS)
export PATH := $(TOOLS)/bin:$(PATH)
VENV := $(CURDIR)/.venv

.PHONY: help build test demo bench test-core
help:
	@sed -n '2,4p' Makefile | sed 's/^# *//'

# Each binding's targets (build-python, test-python, build-js, test-js, ...) live beside it.
include bindings-python/build.mk
include bindings-js/build.mk
-include tests/build.mk
-include bindings-js/preview/build.mk
-include bench/build.mk

build: build-python build-js

test: test-core test-fuzz test-python test-js $(PREVIEW_TESTS) $(CROSS_TESTS)

test-core:
	cargo test --workspace

demo: build-python
	$(VENV)/bin/portplan --config examples/portplan.toml plan

# Fuzzing (cargo-fuzz on stable via RUSTC_BOOTSTRAP): a short run in `make test`, longer here.
.PHONY: fuzz test-fuzz
fuzz:
	scripts/fuzz.sh 300
test-fuzz:
	scripts/fuzz.sh 15

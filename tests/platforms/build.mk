# The other platforms, from this Linux machine (included by the root Makefile).
#   make check-cross     cargo check of the native crates for macOS (arm64) and Windows (x64, msvc)
#   make check-pe        the release's PE import check (pe_imports.py) on real Windows binaries
#   make check-licenses  one MIT LICENSE, at the root and in every package as packed
#   make test-wine       Windows' node.exe (under Wine) runs the npm package's tests in tests/wine/
.PHONY: lint-shell-platforms check-cross check-pe check-licenses test-wine

# The shell scripts of these folders, as lint-shell checks the others.
lint-shell-platforms:
	scripts/tools.sh actionlint
	shellcheck -x tests/platforms/*.sh tests/wine/*.sh

# The native crates, by folder: each is checked for every CROSS_TARGETS target. A folder
# without a Cargo.toml (a crate that does not exist yet) is left out by the wildcard.
CROSS_CRATES := $(patsubst %/Cargo.toml,%,$(wildcard bindings-js/napi/Cargo.toml bindings-python/Cargo.toml core/native/Cargo.toml))
# The same targets as scripts/tools.sh's CROSS_TARGETS (the step `cross` installs them).
CROSS_TARGETS := aarch64-apple-darwin x86_64-pc-windows-msvc
# Warnings are errors, as clippy's on Linux (lint-rust): code for one platform only is held to
# the same rule. Added to each target's rustflags (cargo joins them with .cargo/config.toml's).
CROSS_DENY := $(foreach target,$(CROSS_TARGETS),--config 'target.$(target).rustflags=["-Dwarnings"]')

# pyo3's build script needs no Python of the target: it is told which (abi3 from 3.9).
check-cross:
	scripts/tools.sh cross
	for crate in $(CROSS_CRATES); do \
		PYO3_CROSS_PYTHON_VERSION=3.9 cargo check --locked --quiet --all-targets --manifest-path $$crate/Cargo.toml \
			$(addprefix --target ,$(CROSS_TARGETS)) $(CROSS_DENY) || exit 1; \
		echo "check-cross: $$crate: $(CROSS_TARGETS)"; \
	done

check-pe:
	scripts/tools.sh node-win pe-tools
	$(TOOLS)/venvs/pe-tools/bin/python -m pytest -q -p no:cacheprovider --rootdir=tests/platforms tests/platforms

# The tarballs `make pack-js` writes (the main package and this host's platform package).
check-licenses: pack-js
	tests/platforms/check-licenses.sh target/npm-pack

# Windows' node.exe runs the tests of tests/wine on the main npm package as packed (the wasm
# engine: no Windows addon is built here), after Linux's node: about 30 s and 55 s, plus the
# packing. Under Wine 8 the tests of npm's .cmd shims are skipped with Wine's reason (its cmd
# runs nothing after a failed goto); pnpm's shims run the same tests there.
test-wine: pack-js
	scripts/tools.sh wine node-win
	tests/wine/run.sh target/npm-pack

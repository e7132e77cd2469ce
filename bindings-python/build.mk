# The Python package (included by the root Makefile; VENV and TOOLS come from there).
#   make build-python          .venv with maturin and pytest, the package installed (.venv/bin/portplan)
#   make test-python           the three below (the package check on Linux only)
#   make pytest-python         pytest on bindings-python/tests (builds the npm package first: one test needs its cross-spawn)
#   make lint-python           ruff check, ruff format --check, mypy --strict (package and tests)
#   make check-package-python  the wheel and sdist as published (scripts/build-dist.sh):
#                              twine, auditwheel, and each installed and used in a fresh venv
.PHONY: build-python test-python pytest-python lint-python check-package-python

PY_DIR := bindings-python
# Rebuild the extension only when the Rust side or the packaging changed.
PY_NATIVE_INPUTS := $(wildcard core/src/*.rs core/src/*/*.rs core/native/src/*.rs $(PY_DIR)/src/*.rs) core/Cargo.toml core/native/Cargo.toml $(PY_DIR)/Cargo.toml $(PY_DIR)/pyproject.toml Cargo.lock
# Test tooling, pinned: pytest-xdist (the plugin's tests run real `pytest -n 2`), the linters,
# and the checkers of the published files. The type generator (datamodel-code-generator) has a
# venv of its own in the tool cache (scripts/gen_types.py), made here before the tests check it.
PY_TEST_TOOLS := pytest-xdist==3.8.0
PY_LINT_TOOLS := ruff==0.17.5 mypy==2.4.1
PY_DIST_TOOLS := twine==7.0.0 auditwheel==6.8.2
PY_PIP := $(VENV)/bin/python -m pip install -q --disable-pip-version-check

# Debian's python3 may lack ensurepip (package python3-venv): then make the venv without pip
# and let the system's pip install pip into it.
$(VENV)/bin/python:
	python3 -m venv $(VENV) || { rm -rf $(VENV) && python3 -m venv --without-pip $(VENV) && python3 -m pip --python $(VENV)/bin/python install -q pip; }

$(VENV)/.portplan-tools: | $(VENV)/bin/python
	$(PY_PIP) 'maturin>=1.9.4,<2' 'pytest>=7'
	touch $@

# The stamps of pinned tools depend on this file, so a new pin installs itself.
$(VENV)/.portplan-test-tools: $(PY_DIR)/build.mk $(PY_DIR)/scripts/gen_types.py | $(VENV)/bin/python
	$(PY_PIP) $(PY_TEST_TOOLS)
	$(VENV)/bin/python -c 'import xdist'
	$(VENV)/bin/python -c 'import sys; sys.path.insert(0, "$(PY_DIR)/scripts"); import gen_types; gen_types.tools_venv()'
	touch $@

$(VENV)/.portplan-lint-tools: $(PY_DIR)/build.mk | $(VENV)/bin/python
	$(PY_PIP) $(PY_LINT_TOOLS)
	$(VENV)/bin/ruff --version && $(VENV)/bin/mypy --version
	touch $@

$(VENV)/.portplan-dist-tools: $(PY_DIR)/build.mk | $(VENV)/bin/python
	$(PY_PIP) $(PY_DIST_TOOLS)
	$(VENV)/bin/twine --version && $(VENV)/bin/auditwheel --version
	touch $@

# A checkout cleaned of the built extension (git clean) needs it rebuilt whatever the stamp says.
ifeq ($(wildcard $(PY_DIR)/python/portplan/_native.*),$(PY_DIR)/python/portplan/_native.pyi)
.PHONY: $(VENV)/.portplan-built
endif

# An editable install: the Python host layer is used from the source tree, the extension
# is built into python/portplan/.
$(VENV)/.portplan-built: $(VENV)/.portplan-tools $(PY_NATIVE_INPUTS)
	cd $(PY_DIR) && VIRTUAL_ENV=$(VENV) $(VENV)/bin/maturin develop --release --quiet
	touch $@

build-python: $(VENV)/.portplan-built

# The published package is built and checked for Linux here; other platforms' wheels are
# built by the release workflow.
test-python: pytest-python lint-python $(if $(filter Linux,$(shell uname -s)),check-package-python)

# build-js: tests/test_spawn_windows.py checks `run`'s Windows escaping against cross-spawn,
# from bindings-js/node_modules (make test runs the Python tests before the JS ones).
pytest-python: build-python build-js $(VENV)/.portplan-test-tools
	cd $(PY_DIR) && $(VENV)/bin/python -m pytest -q tests

# ruff over every Python file of the repository (root ruff.toml); mypy over the package and its tests.
# mypy reads the sources (python/, the stubs) and the tests' imports: pytest, packaging, pyelftools.
lint-python: $(VENV)/.portplan-tools $(VENV)/.portplan-lint-tools $(VENV)/.portplan-dist-tools
	$(VENV)/bin/ruff check $(PY_DIR) tests bench
	$(VENV)/bin/ruff format --check $(PY_DIR) tests bench
	cd $(PY_DIR) && $(VENV)/bin/mypy --strict

check-package-python: build-python $(VENV)/.portplan-dist-tools
	cd $(PY_DIR) && $(VENV)/bin/python -m pytest -q tests_dist

# The Python package (included by the root Makefile; VENV and TOOLS come from there).
#   make build-python   .venv with maturin and pytest, the package installed (.venv/bin/portplan)
#   make test-python    pytest on bindings-python/tests
.PHONY: build-python test-python

PY_DIR := bindings-python
# Rebuild the extension only when the Rust side or the packaging changed.
PY_NATIVE_INPUTS := $(wildcard core/src/*.rs $(PY_DIR)/src/*.rs) core/Cargo.toml $(PY_DIR)/Cargo.toml $(PY_DIR)/pyproject.toml Cargo.lock

# Debian's python3 may lack ensurepip (package python3-venv): then make the venv without pip
# and let the system's pip install pip into it.
$(VENV)/bin/python:
	python3 -m venv $(VENV) || { rm -rf $(VENV) && python3 -m venv --without-pip $(VENV) && python3 -m pip --python $(VENV)/bin/python install -q pip; }

$(VENV)/.portplan-tools: | $(VENV)/bin/python
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check 'maturin>=1.9.4,<2' 'pytest>=7'
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

test-python: build-python
	cd $(PY_DIR) && $(VENV)/bin/python -m pytest -q tests

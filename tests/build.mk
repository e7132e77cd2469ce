# Cross-language tests: engines agree, both CLIs print the same, one registry for all;
# reliability across processes and languages (load, crashes, probes, bad input, security).
# Real-tool tests: `portplan run` with Flask, uvicorn and Django, and the pytest plugin under
# pytest-xdist (tests/tools).
CROSS_TESTS := test-cross test-tools
.PHONY: test-cross test-tools
test-cross: build-python build-js
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider --rootdir=tests tests/cross tests/reliability

# pytest-xdist goes into the test venv (the plugin's users run it beside portplan); the servers
# into a venv of the tool cache, outside the repository (tests/tools/install.sh).
PY_XDIST := pytest-xdist==3.8.0
$(VENV)/.portplan-xdist: tests/build.mk | $(VENV)/bin/python
	$(PY_PIP) $(PY_XDIST)
	$(VENV)/bin/python -c 'import xdist'
	touch $@

test-tools: build-python $(VENV)/.portplan-xdist
	tests/tools/install.sh
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider --rootdir=tests/tools tests/tools

# Cross-language tests: engines agree, both CLIs print the same, one registry for all, the
# seeded differential test of both CLIs; reliability across processes and languages (load,
# crashes, the kernel lock, clocks, .env safety, probes, bad input, security: issue 24).
# Real-tool tests: `portplan run` with the real servers, and the pytest plugin under
# pytest-xdist (tests/tools).
CROSS_TESTS := test-cross test-tools
.PHONY: test-cross test-tools reliability-tools

# Scenarios of tests/cross/test_differential.py in `make test` (its own default is 240; about
# 0.6 to 0.8 s each on 2 cores with -n 2, so 2 to 3 minutes); any other seed or count:
# PORTPLAN_DIFF_SEED=N PORTPLAN_DIFF_SCENARIOS=M.
DIFF_SCENARIOS ?= 200
PYTEST_CROSS := $(VENV)/bin/python -m pytest -q -p no:cacheprovider --rootdir=tests -n 2

# The differential scenarios in parallel (each in its own folder, nothing probed); every other
# file on one worker of its own (--dist loadfile): each file's tests share its port range.
test-cross: build-python build-js $(VENV)/.portplan-xdist $(VENV)/.portplan-reliability reliability-tools
	PORTPLAN_DIFF_SCENARIOS=$${PORTPLAN_DIFF_SCENARIOS:-$(DIFF_SCENARIOS)} $(PYTEST_CROSS) tests/cross/test_differential.py
	$(PYTEST_CROSS) --dist loadfile tests/cross tests/reliability --deselect tests/cross/test_differential.py

# pytest-xdist goes into the test venv (the plugin's users run it beside portplan); the servers
# into a venv of the tool cache, outside the repository (tests/tools/install.sh).
PY_XDIST := pytest-xdist==3.8.0
$(VENV)/.portplan-xdist: tests/build.mk | $(VENV)/bin/python
	$(PY_PIP) $(PY_XDIST)
	$(VENV)/bin/python -c 'import xdist'
	touch $@

# freezegun (a Python test's fake clock, issue 24 #2) into the test venv, pinned; faketime,
# strace, GNU time and util-linux from Debian when missing (tests/tools/reliability-tools.sh
# checks that each runs).
PY_RELIABILITY := freezegun==1.5.5
$(VENV)/.portplan-reliability: tests/build.mk | $(VENV)/bin/python
	$(PY_PIP) $(PY_RELIABILITY)
	$(VENV)/bin/python -c 'import freezegun'
	touch $@
reliability-tools:
	tests/tools/reliability-tools.sh

test-tools: build-python $(VENV)/.portplan-xdist
	tests/tools/install.sh
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider --rootdir=tests/tools tests/tools

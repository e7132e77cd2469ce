# Cross-language tests: engines agree, both CLIs print the same, one registry for all;
# reliability across processes and languages (load, crashes, probes, bad input, security).
CROSS_TESTS := test-cross
.PHONY: test-cross
test-cross: build-python build-js
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider --rootdir=tests tests/cross tests/reliability

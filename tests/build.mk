# Cross-language tests: engines agree, both CLIs print the same, one registry for all.
CROSS_TESTS := test-cross
.PHONY: test-cross
test-cross: build-python build-js
	cd tests/cross && $(VENV)/bin/python -m pytest -q -p no:cacheprovider .

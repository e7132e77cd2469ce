# End-to-end tests of issue 27 (SPEC v3 §9) through both CLIs, with real tools:
#   make test-e2e   URLs in Debian's Chromium (two checkouts keep separate cookies), the Host
#                   checks of Vite, Astro, Next, Django, Flask and uvicorn, `who` and `ls` on a
#                   server `run` started, Compose services and COMPOSE_PROJECT_NAME per checkout.
# The tools (npm: playwright-core, vite, astro, next; PyPI: django, flask, uvicorn) are installed
# once by tests/e2e/install.sh into the tool cache, outside the repository. What the Host checks
# saw is written to tests/artifacts/e2e/hosts.md.
E2E_TESTS := test-e2e
.PHONY: test-e2e
test-e2e: build-python build-js
	scripts/tools.sh chromium
	tests/e2e/install.sh
	mkdir -p tests/artifacts/e2e
	E2E_ARTIFACTS=$(CURDIR)/tests/artifacts/e2e node --test --test-reporter=spec --test-concurrency=1 \
		tests/e2e/*.test.mjs

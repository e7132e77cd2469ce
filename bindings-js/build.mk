build-js:
test-js:

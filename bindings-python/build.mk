build-python:
test-python:

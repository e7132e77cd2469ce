"""Every engine gives byte-for-byte the same plan: Python (pyo3), Node native (napi) and
Node WebAssembly, on the shared vectors and on generated configs."""

from __future__ import annotations

import json
import os
import subprocess

import portplan
import pytest
from conftest import ROOT, VECTORS, generated_requests


def python_answer(request: dict) -> dict:
    try:
        return portplan.plan(request["config"], busy=request["busy"]).to_dict()
    except portplan.PlanError as error:
        return {"error": {"kind": error.kind, "message": error.message}}


def node_answers(engine: str, requests: list[dict]) -> list[dict]:
    driver = ROOT / "tests" / "cross" / "engine_driver.cjs"
    stdin = "".join(json.dumps(r) + "\n" for r in requests)
    env = {**os.environ, "PORTPLAN_ENGINE": engine}
    done = subprocess.run(
        ["node", str(driver)], input=stdin, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert {row["engine"] for row in rows} == {engine}, "the engine asked for is the one loaded"
    return [row["answer"] for row in rows]


REQUESTS = [{"config": case["config"], "busy": case["busy"]} for case in VECTORS] + generated_requests(400)


@pytest.mark.parametrize("engine", ["native", "wasm"])
def test_node_engine_agrees_with_python(engine: str) -> None:
    expected = [python_answer(r) for r in REQUESTS]
    assert sum("plan" in e for e in expected) > 200, "most generated configs plan"
    assert sum("error" in e for e in expected) > 20, "some are errors, compared too"
    got = node_answers(engine, REQUESTS)
    assert len(got) == len(REQUESTS)
    for request, want, have in zip(REQUESTS, expected, got):
        assert json.dumps(have, sort_keys=True) == json.dumps(want, sort_keys=True), request


def test_python_matches_the_shared_vectors() -> None:
    for case in VECTORS:
        answer = python_answer(case)
        if "error" in case["expected"]:
            assert answer["error"]["kind"] == case["expected"]["error"], case["id"]
        else:
            assert {e["name"]: e["port"] for e in answer["plan"]} == case["expected"]["assignments"], case["id"]

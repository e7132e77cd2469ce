"""Every shared vector (tests/vectors/plan.json) through portplan.plan."""

from __future__ import annotations

import json
from typing import Any

import portplan
import pytest
from conftest import VECTORS
from portplan import _native

CASES: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))["cases"]


def test_the_vectors_are_there() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_vector(case: dict[str, Any]) -> None:
    expected = case["expected"]
    if "error" in expected:
        with pytest.raises(portplan.PlanError) as raised:
            portplan.plan(case["config"], case["busy"])
        assert raised.value.kind == expected["error"]
        assert raised.value.message
    else:
        plan = portplan.plan(case["config"], case["busy"])
        assert plan.ports == expected["assignments"]


@pytest.mark.parametrize("case", [c for c in CASES if "assignments" in c["expected"]], ids=lambda c: c["id"])
def test_to_dict_is_the_cores_answer(case: dict[str, Any]) -> None:
    request = json.dumps({"config": case["config"], "busy": case["busy"]})
    assert portplan.plan(case["config"], case["busy"]).to_dict() == json.loads(_native.plan_json(request))

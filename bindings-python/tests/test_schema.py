"""The package's TypedDicts (portplan.typing) say exactly what the core answers: each is held
to its definition in the core's JSON Schema (core/schema/portplan.schema.json, generated from
the core's Rust types). A field added on one side only, or a new layout, kind or holder, fails.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from typing import Any, Literal, Optional, Union

import pytest
from conftest import REPO
from portplan.typing import (
    ConfigDict,
    EntryDict,
    ErrorDict,
    ErrorKind,
    HashName,
    Holder,
    Layout,
    LeaseDict,
    PlanDict,
    ReasonDict,
    RenderAnswerDict,
)

SCHEMA = REPO / "core" / "schema" / "portplan.schema.json"

# The schema definition → the type that mirrors it (a TypedDict, or a union of TypedDicts
# told apart by `kind`).
MIRRORS: dict[str, Any] = {
    "ConfigInput": ConfigDict,
    "PlanAnswer": PlanDict,
    "Entry": EntryDict,
    "Reason": ReasonDict,
    "Lease": LeaseDict,
    "PlanError": ErrorDict,
    "RenderAnswer": RenderAnswerDict,
}

# The schema definition → the Literal alias of the strings it allows, and the property that
# holds them when the definition is a union of objects (`Holder`: one `by` per variant).
LITERALS: dict[str, tuple[Any, Optional[str]]] = {
    "Layout": (Layout, None),
    "HashKind": (HashName, None),
    "ErrorKind": (ErrorKind, None),
    "Holder": (Holder, "by"),
}

Node = Mapping[str, Any]


class Schema:
    """A JSON Schema document (draft 2020-12 `$defs` or draft 7 `definitions`), read for the
    properties of an object type, however it is composed (`$ref`, `allOf`, `oneOf`, `anyOf`)."""

    def __init__(self, document: Node) -> None:
        self.definitions: dict[str, Node] = {**document.get("definitions", {}), **document.get("$defs", {})}

    def resolve(self, node: Node) -> Node:
        while "$ref" in node:
            node = self.definitions[str(node["$ref"]).rsplit("/", 1)[-1]]
        return node

    def properties(self, node: Node) -> dict[str, list[Node]]:
        """Every property an object of this schema can have, with each schema given for it."""
        node = self.resolve(node)
        found: dict[str, list[Node]] = {name: [schema] for name, schema in node.get("properties", {}).items()}
        for key in ("allOf", "oneOf", "anyOf"):
            for part in node.get(key, []):
                for name, schemas in self.properties(part).items():
                    found.setdefault(name, []).extend(schemas)
        return found

    def required(self, node: Node) -> Optional[set[str]]:
        """The keys every object of a plain object schema has; None for a composed one (whose
        variants each have their own)."""
        node = self.resolve(node)
        if any(key in node for key in ("allOf", "oneOf", "anyOf")):
            return None
        return set(node.get("required", []))

    def variants(self, node: Node) -> list[Node]:
        """The alternatives of a union (`oneOf`/`anyOf`, nested unions flattened); [node] otherwise."""
        node = self.resolve(node)
        alternatives = node.get("oneOf", node.get("anyOf"))
        if alternatives is None or "properties" in node:
            return [node]
        return [variant for part in alternatives for variant in self.variants(part)]

    def constants(self, node: Node) -> Optional[set[str]]:
        """The strings a schema allows when it allows only a closed set of them, else None."""
        node = self.resolve(node)
        if "const" in node:
            return {node["const"]} if isinstance(node["const"], str) else None
        if "enum" in node:
            values = node["enum"]
            return set(values) if all(isinstance(v, str) for v in values) else None
        parts = node.get("oneOf", node.get("anyOf"))
        if not parts:
            return None
        found: set[str] = set()
        for part in parts:
            values = self.constants(part)
            if values is None:
                return None
            found |= values
        return found

    def tag(self, variant: Node) -> Optional[str]:
        """The `kind` a variant of a tagged union is known by."""
        values = self.constants_of(variant, "kind")
        return next(iter(values)) if values is not None and len(values) == 1 else None

    def constants_of(self, node: Node, name: str) -> Optional[set[str]]:
        """The closed set of strings the property `name` may hold, across every schema for it."""
        schemas = self.properties(node).get(name, [])
        found: set[str] = set()
        for schema in schemas:
            values = self.constants(schema)
            if values is None:
                return None
            found |= values
        return found if schemas else None


def typed_dicts(mirror: Any) -> list[Any]:
    """The TypedDicts of a mirror: itself, or the members of a union."""
    return list(typing.get_args(mirror)) if typing.get_origin(mirror) is Union else [mirror]


def literal_values(hint: Any) -> Optional[set[str]]:
    return set(typing.get_args(hint)) if typing.get_origin(hint) is Literal else None


def mismatches(schema: Schema, node: Node, typed_dict: Any, what: str) -> list[str]:
    """How one object schema and one TypedDict differ: keys, and the values of Literal keys."""
    properties = schema.properties(node)
    hints = typing.get_type_hints(typed_dict)
    found = []
    if only_schema := sorted(set(properties) - set(hints)):
        found.append(f"{what}: in the schema only: {only_schema}")
    if only_python := sorted(set(hints) - set(properties)):
        found.append(f"{what}: in {typed_dict.__name__} only: {only_python}")
    required = schema.required(node)
    if required is not None:
        python_required = set(typed_dict.__required_keys__)
        if only_schema := sorted(required - python_required):
            found.append(f"{what}: always there per the schema, optional in {typed_dict.__name__}: {only_schema}")
        if only_python := sorted(python_required - required):
            found.append(f"{what}: optional per the schema, always there in {typed_dict.__name__}: {only_python}")
    for name in sorted(set(properties) & set(hints)):
        allowed = schema.constants_of(node, name)
        literal = literal_values(hints[name])
        if allowed is not None and literal is not None and allowed != literal:
            found.append(f"{what}.{name}: the schema allows {sorted(allowed)}, {typed_dict.__name__} {sorted(literal)}")
    return found


def compare(schema: Schema, definition: str, mirror: Any) -> list[str]:
    """Every difference between a schema definition and its Python mirror, as sentences."""
    node = schema.definitions[definition]
    members = typed_dicts(mirror)
    if len(members) == 1:
        return mismatches(schema, node, members[0], definition)
    # A tagged union: each variant against the TypedDict of the same `kind`.
    by_kind = {
        literal: member for member in members for literal in literal_values(typing.get_type_hints(member)["kind"]) or ()
    }
    variants = {schema.tag(variant): variant for variant in schema.variants(node)}
    found = []
    if None in variants:
        found.append(f"{definition}: a variant without a single `kind` constant")
    if set(variants) - {None} != set(by_kind):
        found.append(
            f"{definition}: kinds {sorted(k for k in variants if k)} in the schema, {sorted(by_kind)} in Python"
        )
    for kind in sorted(set(by_kind) & set(variants) - {None}):
        found += mismatches(schema, variants[kind], by_kind[kind], f"{definition}[kind={kind}]")
    return found


@pytest.fixture(scope="module")
def schema() -> Schema:
    if not SCHEMA.is_file():
        pytest.fail(
            f"{SCHEMA} does not exist: the core's JSON Schema (generated from its serde types) is what "
            f"portplan.typing is held to; it needs the definitions {', '.join([*MIRRORS, *LITERALS])}"
        )
    return Schema(json.loads(SCHEMA.read_text(encoding="utf-8")))


@pytest.mark.parametrize("definition", MIRRORS)
def test_typed_dict_matches_the_schema(schema: Schema, definition: str) -> None:
    assert definition in schema.definitions, (
        f"{SCHEMA.name} has no definition {definition!r}: {sorted(schema.definitions)}"
    )
    assert compare(schema, definition, MIRRORS[definition]) == []


def compare_literal(schema: Schema, definition: str, alias: Any, tag: Optional[str]) -> list[str]:
    """How the strings a schema definition allows and those of a Literal alias differ."""
    node = schema.definitions[definition]
    if tag is None:
        allowed = schema.constants(node)
    else:
        per_variant = [schema.constants_of(variant, tag) for variant in schema.variants(node)]
        allowed = None if None in per_variant else {value for values in per_variant if values for value in values}
    literal = literal_values(alias)
    if allowed is None:
        return [f"{definition}: not a closed set of strings in the schema"]
    if allowed != literal:
        return [f"{definition}: the schema allows {sorted(allowed)}, Python {sorted(literal or ())}"]
    return []


@pytest.mark.parametrize("definition", LITERALS)
def test_literal_matches_the_schema(schema: Schema, definition: str) -> None:
    assert definition in schema.definitions, (
        f"{SCHEMA.name} has no definition {definition!r}: {sorted(schema.definitions)}"
    )
    assert compare_literal(schema, definition, *LITERALS[definition]) == []


# The comparison itself, on a schema of the kinds schemars writes: it must see what differs.
SAMPLE = {
    "$defs": {
        "Layout": {"type": "string", "enum": ["hash", "sequential", "block"]},
        "PlanAnswer": {
            "type": "object",
            "properties": {
                "plan": {"type": "array", "items": {"$ref": "#/$defs/Entry"}},
                "namespace": {"type": "string"},
                "range": {"type": "array"},
                "layout": {"$ref": "#/$defs/Layout"},
                "hash": {"oneOf": [{"const": "sha256"}, {"const": "lagom"}]},
                "exclude": {"type": "array"},
            },
            "required": ["plan", "namespace", "range", "layout", "hash", "exclude"],
        },
        "Reason": {
            "oneOf": [
                {"type": "object", "properties": {"kind": {"const": "pinned"}}, "required": ["kind"]},
                {
                    "type": "object",
                    "properties": {"kind": {"const": "home"}, "home": {"type": "integer"}},
                    "required": ["kind", "home"],
                },
                {
                    "type": "object",
                    "properties": {"kind": {"type": "string", "const": "displaced"}, "home": {"type": "integer"}},
                    "oneOf": [
                        {"properties": {"by": {"const": "service"}, "service": {"type": "string"}}},
                        {"properties": {"by": {"const": "pinned"}, "service": {"type": "string"}}},
                        {
                            "properties": {
                                "by": {"const": "lease"},
                                "service": {"type": "string"},
                                "namespace": {"type": "string"},
                                "root": {"type": ["string", "null"]},
                            }
                        },
                        {"properties": {"by": {"enum": ["busy", "excluded", "unsafe", "range"]}}},
                    ],
                },
                {"type": "object", "properties": {"kind": {"const": "sequential"}}, "required": ["kind"]},
                {
                    "type": "object",
                    "properties": {"kind": {"const": "block"}, "base": {}, "offset": {}},
                    "required": ["kind", "base", "offset"],
                },
                {
                    "type": "object",
                    "properties": {"kind": {"const": "kept"}, "since": {}},
                    "required": ["kind", "since"],
                },
            ]
        },
    }
}


def test_the_comparison_passes_a_matching_schema() -> None:
    sample = Schema(SAMPLE)
    assert compare(sample, "PlanAnswer", PlanDict) == []
    assert compare(sample, "Reason", ReasonDict) == []


def test_the_comparison_finds_keys_on_one_side_only() -> None:
    sample = json.loads(json.dumps(SAMPLE))
    answer = sample["$defs"]["PlanAnswer"]["properties"]
    answer["probe"] = answer.pop("exclude")
    sample["$defs"]["PlanAnswer"]["required"] = ["plan", "namespace", "range", "layout", "hash", "probe"]
    assert compare(Schema(sample), "PlanAnswer", PlanDict) == [
        "PlanAnswer: in the schema only: ['probe']",
        "PlanAnswer: in PlanDict only: ['exclude']",
        "PlanAnswer: always there per the schema, optional in PlanDict: ['probe']",
        "PlanAnswer: optional per the schema, always there in PlanDict: ['exclude']",
    ]


def test_the_comparison_finds_other_literals() -> None:
    sample = json.loads(json.dumps(SAMPLE))
    sample["$defs"]["Layout"]["enum"].append("spiral")
    sample["$defs"]["Reason"]["oneOf"][2]["oneOf"][3]["properties"]["by"]["enum"].remove("unsafe")
    assert compare(Schema(sample), "PlanAnswer", PlanDict) == [
        (
            "PlanAnswer.layout: the schema allows ['block', 'hash', 'sequential', 'spiral'], "
            "PlanDict ['block', 'hash', 'sequential']"
        )
    ]
    assert compare(Schema(sample), "Reason", ReasonDict) == [
        (
            "Reason[kind=displaced].by: the schema allows ['busy', 'excluded', 'lease', 'pinned', 'range', 'service'], "
            "DisplacedReason ['busy', 'excluded', 'lease', 'pinned', 'range', 'service', 'unsafe']"
        )
    ]


def test_the_comparison_finds_a_missing_or_extra_variant() -> None:
    sample = json.loads(json.dumps(SAMPLE))
    variants = sample["$defs"]["Reason"]["oneOf"]
    variants[-1]["properties"]["kind"]["const"] = "leased"
    variants[1]["properties"]["port"] = {"type": "integer"}
    assert compare(Schema(sample), "Reason", ReasonDict) == [
        (
            "Reason: kinds ['block', 'displaced', 'home', 'leased', 'pinned', 'sequential'] in the schema, "
            "['block', 'displaced', 'home', 'kept', 'pinned', 'sequential'] in Python"
        ),
        "Reason[kind=home]: in the schema only: ['port']",
    ]


def test_the_comparison_finds_other_strings_of_a_literal_definition() -> None:
    sample = json.loads(json.dumps(SAMPLE))
    assert compare_literal(Schema(sample), "Layout", Layout, None) == []
    sample["$defs"]["Layout"]["enum"].remove("block")
    assert compare_literal(Schema(sample), "Layout", Layout, None) == [
        "Layout: the schema allows ['hash', 'sequential'], Python ['block', 'hash', 'sequential']"
    ]
    holders = sample["$defs"]["Reason"]["oneOf"][2]["oneOf"]
    sample["$defs"]["Holder"] = {"oneOf": holders}
    assert compare_literal(Schema(sample), "Holder", Holder, "by") == []
    holders[-1]["properties"]["by"]["enum"].remove("range")
    assert compare_literal(Schema(sample), "Holder", Holder, "by") == [
        (
            "Holder: the schema allows ['busy', 'excluded', 'lease', 'pinned', 'service', 'unsafe'], "
            "Python ['busy', 'excluded', 'lease', 'pinned', 'range', 'service', 'unsafe']"
        )
    ]


def test_the_comparison_finds_keys_required_on_one_side_only() -> None:
    sample = json.loads(json.dumps(SAMPLE))
    answer = sample["$defs"]["PlanAnswer"]
    assert compare(Schema(sample), "PlanAnswer", PlanDict) == []
    answer["required"].remove("exclude")
    assert compare(Schema(sample), "PlanAnswer", PlanDict) == [
        "PlanAnswer: optional per the schema, always there in PlanDict: ['exclude']"
    ]
    home = sample["$defs"]["Reason"]["oneOf"][1]
    home["properties"]["port"] = {"type": "integer"}
    home["required"].append("port")
    assert compare(Schema(sample), "Reason", ReasonDict) == [
        "Reason[kind=home]: in the schema only: ['port']",
        "Reason[kind=home]: always there per the schema, optional in HomeReason: ['port']",
    ]

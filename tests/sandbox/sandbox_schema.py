"""Validate sandbox answers against the fixed OpenAPI contract (ingestion/sandbox/spec/).

The OpenAPI 3.0 schemas become JSON Schema: `nullable: true` admits null, and a property marked
`deprecated: true` is optional (it is dropped from `required`, in the same object or anywhere in
its `allOf` chain), as the spec folder's README says real answers need.
"""

from __future__ import annotations

import copy
from functools import cache

import yaml
from jsonschema import Draft202012Validator

from tests.spotify_reference import SPEC_PATH


@cache
def spec() -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)  # noqa: S506 (a safe loader, C or Python)


def _lookup(ref: str) -> dict:
    node = spec()
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _deprecated_names(node: dict, seen: frozenset = frozenset()) -> set[str]:
    """Names of properties marked deprecated in this schema or the schemas it allOf-includes."""
    if "$ref" in node:
        if node["$ref"] in seen:
            return set()
        return _deprecated_names(_lookup(node["$ref"]), seen | {node["$ref"]})
    names = {k for k, v in node.get("properties", {}).items() if v.get("deprecated")}
    for part in node.get("allOf", []):
        names |= _deprecated_names(part, seen)
    return names


def _convert(node):
    if isinstance(node, list):
        return [_convert(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _convert(v) for k, v in node.items() if k not in ("nullable", "example")}
    if "required" in out:
        optional = _deprecated_names(node)
        out["required"] = [name for name in out["required"] if name not in optional]
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def _components() -> dict:
    return {"schemas": _convert(copy.deepcopy(spec()["components"]["schemas"]))}


def response_schema(path: str, status: str = "200") -> dict:
    """The JSON Schema of a GET answer of `path` (as written in the spec, e.g. /artists/{id})."""
    response = spec()["paths"][path]["get"]["responses"][status]
    if "$ref" in response:
        response = _lookup(response["$ref"])
    return _convert(copy.deepcopy(response["content"]["application/json"]["schema"]))


@cache
def _validator_for(path: str, status: str) -> Draft202012Validator:
    schema = {**response_schema(path, status), "components": _components()}
    return Draft202012Validator(schema)


def validate(path: str, body, status: str = "200") -> None:
    """Raise jsonschema.ValidationError unless `body` is a valid answer of GET `path`."""
    errors = sorted(_validator_for(path, status).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        raise errors[0]

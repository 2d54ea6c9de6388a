"""contract/openapi.yaml as a test oracle: which operations exist, and whether a response
matches what the contract promises for its operation and status."""

import re
from functools import lru_cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.conftest import ROOT

CONTRACT_PATH = ROOT / "contract" / "openapi.yaml"
_URI = "urn:ai-lifestyle:contract"


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(CONTRACT_PATH.read_text())
    return loaded


@lru_cache(maxsize=1)
def _registry() -> Registry:
    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    return Registry().with_resource(_URI, resource)


def operations() -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch"}
    return {(path, method.upper()) for path, item in document()["paths"].items()
            for method in item if method in methods}


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def _template_for(concrete_path: str) -> str | None:
    for template in document()["paths"]:
        pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, concrete_path):
            return str(template)
    return None


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def schema_ref(method: str, concrete_path: str, status: int) -> str:
    """A JSON-schema reference to what the contract promises for this response."""
    template = _template_for(concrete_path)
    if template is None:
        return f"{_URI}#/components/schemas/Error"
    operation = document()["paths"][template].get(method.lower())
    if operation is None:
        return f"{_URI}#/components/schemas/Error"
    responses = operation["responses"]
    key = str(status) if str(status) in responses else "default"
    assert key in responses, f"{method} {template} does not document {status}"
    response = _resolve(responses[key])
    media = response.get("content", {}).get("application/json")
    assert media is not None, f"{method} {template} {status} documents no JSON body"
    if "$ref" in media["schema"]:
        return f"{_URI}{media['schema']['$ref']}"
    location = ("paths", template, method.lower(), "responses", key)
    if "$ref" in responses[key]:
        location = tuple(responses[key]["$ref"].removeprefix("#/").split("/"))
    return f"{_URI}#/{_pointer(*location, 'content', 'application/json', 'schema')}"


def assert_matches(method: str, concrete_path: str, status: int, body: Any) -> None:
    validator = Draft202012Validator({"$ref": schema_ref(method, concrete_path, status)},
                                     registry=_registry())
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.path))
    assert not errors, (f"{method} {concrete_path} {status} breaks the contract: "
                        + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]))

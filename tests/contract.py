"""contract/openapi.yaml as a test oracle: which operations exist, and whether a response
matches what the contract promises for its operation and status."""

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.helpers import ROOT

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
    return {
        (path, method.upper())
        for path, item in document()["paths"].items()
        for method in item
        if method in methods
    }


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
    validator = Draft202012Validator(
        {"$ref": schema_ref(method, concrete_path, status)}, registry=_registry()
    )
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.path))
    assert not errors, f"{method} {concrete_path} {status} breaks the contract: " + "; ".join(
        f"{list(e.path)}: {e.message}" for e in errors[:5]
    )


@dataclass(frozen=True)
class Example:
    """One example the contract shows: where, its value, and the schema it must match."""

    where: str
    value: Any
    schema_pointer: str


def _media_examples(media: dict[str, Any], where: str, pointer: tuple[str, ...]) -> list[Example]:
    schema = _pointer(*pointer, "schema")
    found = [Example(where, media["example"], schema)] if "example" in media else []
    for name, example in media.get("examples", {}).items():
        found.append(Example(f"{where} ({name})", _resolve(example)["value"], schema))
    return found


def _location(node: dict[str, Any], inline: tuple[str, ...]) -> tuple[str, ...]:
    """Where a request body or response really is: its own place, or what its $ref names."""
    if "$ref" in node:
        return tuple(node["$ref"].removeprefix("#/").split("/"))
    return inline


def operation_examples(
    path: str, method: str, errors_too: bool = False
) -> dict[str, list[Example]]:
    """The examples of each JSON body an operation takes or answers with success (or with
    any status, errors_too), keyed by that body ("POST /goals request", "POST /goals 201");
    an empty list where it shows none."""
    operation = document()["paths"][path][method.lower()]
    places = {"request": operation["requestBody"]} if "requestBody" in operation else {}
    places |= {
        status: response
        for status, response in operation["responses"].items()
        if errors_too or status.startswith("2")
    }
    found: dict[str, list[Example]] = {}
    for place, node in places.items():
        inline = ("requestBody",) if place == "request" else ("responses", place)
        location = _location(node, ("paths", path, method.lower(), *inline))
        media = _resolve(node).get("content", {}).get("application/json")
        if media is not None:
            where = f"{method} {path} {place}"
            found[where] = _media_examples(media, where, (*location, "content", "application/json"))
    return found


def validate_example(example: Example) -> list[str]:
    """What is wrong with one example against its schema (nothing when it matches)."""
    validator = Draft202012Validator(
        {"$ref": f"{_URI}#/{example.schema_pointer}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [
        f"{example.where} {list(error.path)}: {error.message}"
        for error in validator.iter_errors(example.value)
    ]


def operation_for(method: str, concrete_path: str) -> tuple[str, str] | None:
    """The contract's (path template, method) that serves this call, if any."""
    template = _template_for(concrete_path)
    if template is None or (template, method.upper()) not in operations():
        return None
    return template, method.upper()


def request_example(path: str, method: str, value: Any, where: str) -> Example:
    """A request body to check against what the operation takes (see validate_example)."""
    body = document()["paths"][path][method.lower()]["requestBody"]
    location = _location(body, ("paths", path, method.lower(), "requestBody"))
    return Example(where, value, _pointer(*location, "content", "application/json", "schema"))

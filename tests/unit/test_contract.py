"""contract/openapi.yaml is valid OpenAPI 3.1 and describes exactly the routes the app has."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import validate

from app import api
from tests import contract

UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_the_contract_is_valid_openapi_3_1():
    assert contract.document()["openapi"].startswith("3.1")
    validate(contract.document())


def test_every_route_is_in_the_contract_and_every_operation_is_a_route():
    assert set(api.declared) == contract.operations()


def test_every_operation_documents_its_errors_in_the_envelope():
    for path, method in contract.operations():
        responses = contract.document()["paths"][path][method.lower()]["responses"]
        assert "default" in responses, f"{method} {path} lacks a default (error) response"


def test_the_oracle_rejects_a_body_that_breaks_the_contract():
    contract.assert_matches("GET", "/config/features", 200, {"debugPanels": False})
    with pytest.raises(AssertionError, match="breaks the contract"):
        contract.assert_matches("GET", "/config/features", 200, {"debugPanels": "no"})


def _schemas_with_patterns(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield where, node
        for key, value in node.items():
            # Parameters are left out: an example there would prefill "Try it out" (a fixed
            # Idempotency-Key would replay the first answer).
            if key != "parameters":
                yield from _schemas_with_patterns(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _schemas_with_patterns(value, f"{where}/{index}")


def test_every_operation_shows_an_example_of_each_json_body_it_takes_and_answers():
    missing = [
        where
        for path, method in sorted(contract.operations())
        for where, examples in contract.operation_examples(path, method).items()
        if not examples
    ]
    assert missing == []


def test_every_example_matches_its_schema():
    examples = [
        example
        for path, method in sorted(contract.operations())
        for found in contract.operation_examples(path, method, errors_too=True).values()
        for example in found
    ]
    assert len(examples) >= 100
    problems = [problem for example in examples for problem in contract.validate_example(example)]
    assert problems == []


def test_examples_show_ids_as_the_api_makes_them():
    # The app's own ids are UUIDv7 (core/ids.py); user ids are Cognito subs (UUIDs).
    def ids(node: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("goalId", "activityId", "entryId", "userId", "journalEntryId"):
                    yield key, value
                yield from ids(value)
        elif isinstance(node, list):
            for value in node:
                yield from ids(value)

    shown = [
        (example.where, key, value)
        for path, method in contract.operations()
        for found in contract.operation_examples(path, method).values()
        for example in found
        for key, value in ids(example.value)
    ]
    assert shown
    wrong = [
        (where, key, value)
        for where, key, value in shown
        if value is not None
        and not (UUID7.match(str(value)) if key != "userId" else UUID.match(str(value)))
    ]
    assert wrong == []


def test_goal_examples_cover_every_pattern_and_journal_progress():
    created = contract.operation_examples("/goals", "POST")["POST /goals request"]
    patterns = {example.value["goalPattern"] for example in created}
    assert patterns == set(contract.document()["components"]["schemas"]["GoalPattern"]["enum"])
    answered = contract.operation_examples("/goals", "POST")["POST /goals 201"]
    assert {example.value["goalPattern"] for example in answered} == patterns
    entry = contract.operation_examples("/journal", "POST")
    assert any(example.value.get("goalProgress") for example in entry["POST /journal request"])
    assert any(example.value["goalProgress"] for example in entry["POST /journal 201"])
    edit = contract.operation_examples("/goals/{goalId}/activities/{activityId}", "PUT")
    assert all(edit.values())
    assert len(edit) == 2


def test_patterned_values_show_real_examples_not_regexes():
    # Without an example, a docs UI makes a sample body up from the regex itself.
    patterned = list(_schemas_with_patterns(contract.document()))
    assert patterned
    for where, schema in patterned:
        examples = schema.get("examples")
        assert examples, f"{where} has a pattern and no examples"
        for value in examples:
            assert re.search(schema["pattern"], value), f"{where}: {value!r}"


def test_plumbing_is_tagged_apart_and_listed_last():
    document = contract.document()
    assert [tag["name"] for tag in document["tags"]][-1] == "plumbing"
    for path, method in contract.operations():
        tags = document["paths"][path][method.lower()]["tags"]
        plumbing = path == "/openapi.yaml" or path.startswith("/docs")
        assert (tags == ["plumbing"]) if plumbing else ("plumbing" not in tags), (method, path)


def test_the_docs_call_the_api_that_serves_them():
    # A relative server: "Try it out" on a deployed stage must not call a developer's laptop.
    assert [server["url"] for server in contract.document()["servers"]] == ["."]

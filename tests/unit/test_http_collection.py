"""docs/new-user-journey.http only calls what the contract has, with bodies it accepts, and
covers the new-user journey (tests/e2e/test_http_collection.py sends it to chalice local)."""

from urllib.parse import urlsplit

from tests import contract, http_collection

# What an earlier answer would fill in: ids as the API makes them.
_ANSWERED_ID = "01a233ae-b894-75b9-868d-df5082185393"


def _answer(request: str, field: str) -> str:
    return _ANSWERED_ID if field.endswith("Id") else "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"


def _calls() -> list[tuple[tuple[str, str] | None, http_collection.Block, object]]:
    variables, blocks = http_collection.parse()
    calls = []
    for block in blocks:
        if block.method is None or block.url is None:
            continue
        url = http_collection.substitute(block.url, variables, _answer)
        body = http_collection.json_body(block, variables, _answer)
        calls.append((contract.operation_for(block.method, urlsplit(url).path), block, body))
    return calls


def test_every_request_is_an_operation_of_the_contract_with_a_body_it_accepts():
    calls = _calls()
    assert calls
    for operation, block, body in calls:
        assert operation is not None, f"{block.method} {block.url} is not in the contract"
        if body is not None:
            example = contract.request_example(*operation, body, f"{block.method} {block.url}")
            assert contract.validate_example(example) == []


def test_it_covers_the_new_user_journey():
    operations = [operation for operation, _, _ in _calls()]
    journey = [
        ("/auth/register", "POST"),
        ("/auth/login", "POST"),
        ("/users/profile", "GET"),
        ("/goals", "POST"),
        ("/goals/{goalId}/activities", "POST"),
        ("/goals/{goalId}/progress", "GET"),
        ("/journal", "POST"),
    ]
    remaining = iter(operations)
    assert all(step in remaining for step in journey), operations  # in this order
    entry = next(body for operation, _, body in _calls() if operation == ("/journal", "POST"))
    assert isinstance(entry, dict)
    assert entry["goalProgress"]
    _, blocks = http_collection.parse()
    notes = [" ".join(block.comments) for block in blocks if block.method is None]
    assert any("make verify-user" in note for note in notes)  # verifying has no route


def test_authenticated_requests_send_the_token():
    for operation, block, _ in _calls():
        assert operation is not None
        path, method = operation
        public = contract.document()["paths"][path][method.lower()].get("security") == []
        assert public or block.headers.get("Authorization") == "Bearer {{token}}", block.url

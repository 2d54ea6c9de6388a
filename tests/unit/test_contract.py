"""contract/openapi.yaml is valid OpenAPI 3.1 and describes exactly the routes the app has."""

from openapi_spec_validator import validate

from app import api
from tests import contract


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
    try:
        contract.assert_matches("GET", "/config/features", 200, {"debugPanels": "no"})
    except AssertionError as error:
        assert "breaks the contract" in str(error)
    else:
        raise AssertionError("a wrong type passed the contract check")

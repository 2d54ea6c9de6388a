"""DynamoDB Local answers the cases the in-memory table of the service tests is held to
(tests/service/table_contract.py): where this passes and tests/service/
test_memory_table_contract.py passes, the fake behaves as DynamoDB does for them.
"""

import uuid

import pytest

from chalicelib.core import dynamo
from tests.service.table_contract import CASES, expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_dynamodb_local_keeps_the_contract(stack_env, name: str):
    pk = f"CONTRACT#{uuid.uuid4()}"
    case, _ = CASES[name]
    assert case(dynamo.aws_client(), pk) == expected(name, pk)

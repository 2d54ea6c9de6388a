"""The in-memory table keeps the contract the service tests rely on (tests/service/
table_contract.py); tests/integration/test_memory_table_contract_on_dynamodb_local.py runs the
same cases on DynamoDB Local.
"""

import uuid

import pytest

from tests.service.memory_table import MemoryTable
from tests.service.table_contract import CASES, expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_memory_table_keeps_the_contract(name: str):
    pk = f"CONTRACT#{uuid.uuid4()}"
    case, _ = CASES[name]
    assert case(MemoryTable(), pk) == expected(name, pk)

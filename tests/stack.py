"""Helpers to run tests against the real local stack (see scripts/local_stack.py).

Nothing is registered as a fixture here; conftest.py decides the scope, for example::

    @pytest.fixture(scope="session")
    def local_stack(tmp_path_factory):
        try:
            stack = start_test_stack(tmp_path_factory.mktemp("stack"))
        except StackUnavailable as error:
            pytest.skip(str(error))
        yield stack
        stack.stop()
"""

from __future__ import annotations

import os
from pathlib import Path

from scripts.local_stack import LocalStack


class StackUnavailable(Exception):
    """DynamoDB Local cannot run on this machine (outside CI): the caller should skip."""


def running_in_ci() -> bool:
    return os.environ.get("CI") == "true"


def start_test_stack(
    tmp_dir: Path, data_dir: Path | None = None, cognito_state: Path | None = None
) -> LocalStack:
    """Start a stack on free ports, in memory unless ``data_dir`` is given (then DynamoDB
    Local keeps its data there, across ``stop_dynamodb``/``start_dynamodb``) or
    ``cognito_state`` (then Cognito keeps its users in that file across restarts); logs go to
    ``tmp_dir / "logs"``.

    In CI, DynamoDB Local is mandatory and any failure to start it is an error. Elsewhere a
    machine without Java raises StackUnavailable instead of silently testing against moto.
    """
    stack = LocalStack(
        dynamodb_port=0,
        cognito_port=0,
        data_dir=data_dir,
        cognito_state=cognito_state,
        require_dynamodb_local=running_in_ci(),
        log_dir=tmp_dir / "logs",
    )
    info = stack.start()  # in CI, raises DynamoDBLocalUnavailable rather than falling back
    if info.dynamodb_backend != "dynamodb-local":
        stack.stop()
        raise StackUnavailable(f"DynamoDB Local unavailable: {info.fallback_reason}")
    return stack

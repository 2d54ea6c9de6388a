"""Integration tests: the app's repositories and services against DynamoDB Local and the moto
Cognito server, over HTTP, with nothing mocked."""

from collections.abc import Iterator

import pytest

from chalicelib import wiring


@pytest.fixture
def stack_env(local_stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    for name, value in local_stack.env().items():
        monkeypatch.setenv(name, value)
    wiring.reset()
    yield local_stack.env()
    wiring.reset()

"""Settings for every test, set before the app is imported (Chalice reads some at import)."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.update(
    {
        "ENVIRONMENT": "local",
        "API_GATEWAY_AUTHORIZER": "none",
        "DEV_TOOLS_ENABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
        "REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "TABLE_NAME": "ai-lifestyle-local",  # what the local stage sets during requests
        "CORS_ALLOW_ORIGIN": "*",
        # The local stack makes its own per run (scripts/local_stack.py); in-process tests use this.
        "SESSION_TOKEN_SECRET": "unit-tests-session-token-secret-0123456789abcdef",
        # moto's in-process mock serves the unit tests' AWS calls; the local stage needs no stack.
        "AWS_MOCKED_IN_PROCESS": "true",
    }
)
# A developer's shell may point boto3 at a running local stack; unit tests must not use it.
for name in (
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_S3",
    "AWS_PROFILE",
):
    os.environ.pop(name, None)


# The real local stack (DynamoDB Local + moto Cognito server), shared by the integration and
# end-to-end layers of one pytest run. Imported lazily so unit-only runs never touch it.
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory):
    from tests.stack import StackUnavailable, start_test_stack

    try:
        stack = start_test_stack(tmp_path_factory.mktemp("stack"))
    except StackUnavailable as error:
        pytest.skip(f"{error} (CI=true makes this a failure)")
    assert stack.info.dynamodb_backend == "dynamodb-local"
    yield stack
    stack.stop()


@pytest.fixture
def app_logs():
    """A function returning everything the app has logged in this test, as written (unit
    and service tests)."""
    import io
    import logging

    from chalicelib.core.logging import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    service_logger = logging.getLogger(logger.service)
    service_logger.addHandler(handler)
    yield stream.getvalue
    service_logger.removeHandler(handler)

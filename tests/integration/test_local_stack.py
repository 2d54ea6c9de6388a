"""The local stack really runs DynamoDB Local and a Cognito emulator the app can use."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests
from botocore.exceptions import ClientError

from scripts.local_stack import USER_POOL_CLIENT_NAME, USER_POOL_NAME, LocalStack
from scripts.resources import TTL_ATTRIBUTE, ensure_table, ensure_user_pool
from tests.helpers import current_totp_code
from tests.stack import StackUnavailable, start_test_stack

pytestmark = pytest.mark.integration

PASSWORD = "Correct-Horse-9"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    local_stack = _start_or_skip(tmp_path_factory.mktemp("stack"))
    yield local_stack
    local_stack.stop()


def _start_or_skip(
    tmp_dir: Path, data_dir: Path | None = None, cognito_state: Path | None = None
) -> LocalStack:
    try:
        return start_test_stack(tmp_dir, data_dir, cognito_state)
    except StackUnavailable as error:
        pytest.skip(str(error))


@pytest.fixture(scope="module")
def cognito(stack: LocalStack) -> Any:
    return stack.client("cognito-idp")


def test_dynamodb_is_served_by_dynamodb_local(stack: LocalStack) -> None:
    assert stack.info.dynamodb_backend == "dynamodb-local"
    assert stack.info.dynamodb_endpoint != stack.info.cognito_endpoint


def test_dynamodb_local_runs_in_the_stacks_log_folder_not_in_the_project(
    stack: LocalStack,
) -> None:
    # It writes this file where it runs; a new file in the project would make chalice local's
    # reloader restart the API.
    assert (stack.log_dir / "dynamodb-local-metadata.json").is_file()


def test_table_has_generic_string_keys_and_on_demand_billing(stack: LocalStack) -> None:
    table = stack.client("dynamodb").describe_table(TableName=stack.info.table_name)["Table"]

    assert table["TableStatus"] == "ACTIVE"
    assert table["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": "PK", "AttributeType": "S"},
        {"AttributeName": "SK", "AttributeType": "S"},
        {"AttributeName": "activityId", "AttributeType": "S"},
        {"AttributeName": "syncSeq", "AttributeType": "S"},
        {"AttributeName": "syncUser", "AttributeType": "S"},
    ]
    [sync_index] = table["GlobalSecondaryIndexes"]
    assert sync_index["IndexName"] == "SyncIndex"
    assert [key["AttributeName"] for key in sync_index["KeySchema"]] == ["syncUser", "syncSeq"]
    [index] = table["LocalSecondaryIndexes"]
    assert index["IndexName"] == "ActivityIdIndex"
    assert [key["AttributeName"] for key in index["KeySchema"]] == ["PK", "activityId"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_table_expires_items_by_expires_at(stack: LocalStack) -> None:
    dynamodb = stack.client("dynamodb")
    ttl = dynamodb.describe_time_to_live(TableName=stack.info.table_name)

    assert ttl["TimeToLiveDescription"]["AttributeName"] == TTL_ATTRIBUTE


def test_ensure_table_is_idempotent(stack: LocalStack) -> None:
    dynamodb = stack.client("dynamodb")

    assert ensure_table(dynamodb, stack.info.table_name) is False
    assert dynamodb.list_tables()["TableNames"] == [stack.info.table_name]


def test_ensure_user_pool_is_idempotent(stack: LocalStack, cognito: Any) -> None:
    ids = ensure_user_pool(cognito, USER_POOL_NAME, USER_POOL_CLIENT_NAME)

    assert ids == (stack.info.user_pool_id, stack.info.client_id)
    assert len(cognito.list_user_pools(MaxResults=60)["UserPools"]) == 1
    clients = cognito.list_user_pool_clients(UserPoolId=ids[0], MaxResults=60)
    assert len(clients["UserPoolClients"]) == 1


def test_confirmed_user_gets_rs256_tokens_verifiable_with_the_pool_jwks(
    stack: LocalStack, cognito: Any
) -> None:
    user_sub = _register_confirmed_user(stack, cognito, "ada@example.com")

    tokens = _log_in(stack, cognito, "ada@example.com")["AuthenticationResult"]

    assert jwt.get_unverified_header(tokens["AccessToken"])["alg"] == "RS256"
    claims = jwt.decode(
        tokens["AccessToken"],
        key=_signing_key(stack, tokens["AccessToken"]),
        algorithms=["RS256"],
        issuer=f"https://cognito-idp.{stack.info.region}.amazonaws.com/{stack.info.user_pool_id}",
    )
    assert claims["sub"] == user_sub
    assert claims["token_use"] == "access"
    assert claims["client_id"] == stack.info.client_id


def test_totp_codes_are_really_verified(stack: LocalStack, cognito: Any) -> None:
    _register_confirmed_user(stack, cognito, "grace@example.com")
    access_token = _log_in(stack, cognito, "grace@example.com")["AuthenticationResult"][
        "AccessToken"
    ]
    secret = cognito.associate_software_token(AccessToken=access_token)["SecretCode"]
    valid_code = current_totp_code(secret)
    wrong_code = f"{(int(valid_code) + 1) % 1_000_000:06d}"

    with pytest.raises(ClientError):
        cognito.verify_software_token(AccessToken=access_token, UserCode=wrong_code)
    verified = cognito.verify_software_token(AccessToken=access_token, UserCode=valid_code)

    assert verified["Status"] == "SUCCESS"


def test_env_points_the_app_at_the_stack(stack: LocalStack) -> None:
    env = stack.env()

    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == stack.info.dynamodb_endpoint
    assert env["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER"] == stack.info.cognito_endpoint
    assert env["TABLE_NAME"] == stack.info.table_name
    assert env["COGNITO_USER_POOL_ID"] == stack.info.user_pool_id
    assert env["COGNITO_CLIENT_ID"] == stack.info.client_id
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == env["REGION"] == "us-east-1"
    # moto serves the account-deletion queue on the Cognito port.
    assert env["AWS_ENDPOINT_URL_SQS"] == stack.info.cognito_endpoint
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName=env["ACCOUNT_DELETION_QUEUE"])["QueueUrl"]
    redrive = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    assert "account-deletion-dlq" in redrive["Attributes"]["RedrivePolicy"]
    # ...and S3: the private account-data bucket, short-lived like the deployed one.
    assert env["AWS_ENDPOINT_URL_S3"] == stack.info.cognito_endpoint
    s3 = stack.client("s3")
    rules = s3.get_bucket_lifecycle_configuration(Bucket=env["ACCOUNT_DATA_BUCKET"])["Rules"]
    assert {rule["Filter"]["Prefix"]: rule["Expiration"]["Days"] for rule in rules} == {
        "exports/": 7,
        "imports/": 2,
    }
    block = s3.get_public_access_block(Bucket=env["ACCOUNT_DATA_BUCKET"])
    assert all(block["PublicAccessBlockConfiguration"].values())


def test_the_deletion_worker_takes_messages_off_the_queue(stack: LocalStack) -> None:
    """What `make run` starts beside chalice local: it receives each message, hands it to the
    app's handler, and deletes it (a message naming no job is dropped by the handler)."""
    sqs = stack.client("sqs")
    url = sqs.get_queue_url(QueueName=stack.env()["ACCOUNT_DELETION_QUEUE"])["QueueUrl"]
    worker = stack.start_deletion_worker()
    try:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"deletion": "0" * 64}))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            attributes = sqs.get_queue_attributes(
                QueueUrl=url,
                AttributeNames=[
                    "ApproximateNumberOfMessages",
                    "ApproximateNumberOfMessagesNotVisible",
                ],
            )["Attributes"]
            if not any(int(value) for value in attributes.values()):
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the worker left the message: {attributes}")
        assert worker.poll() is None  # still polling
    finally:
        stack.stop_process(worker)


def test_stop_leaves_nothing_listening(tmp_path: Path) -> None:
    # Its own stack: stopping the shared one would break the other tests.
    own_stack = _start_or_skip(tmp_path)
    ports = [_port(own_stack.info.dynamodb_endpoint), _port(own_stack.info.cognito_endpoint)]

    own_stack.stop()
    own_stack.stop()  # idempotent

    assert [port for port in ports if _is_listening(port)] == []


def test_accounts_and_totp_mfa_survive_a_restart(tmp_path: Path) -> None:
    # Its own stack, kept on disk as `make run` keeps it, and restarted on new ports.
    data_dir, cognito_state = tmp_path / "dynamodb-data", tmp_path / "cognito" / "state.pickle"
    first = _start_or_skip(tmp_path / "first", data_dir, cognito_state)
    try:
        cognito = first.client("cognito-idp")
        user_sub = _register_confirmed_user(first, cognito, "kept@example.com")
        old_token = _log_in(first, cognito, "kept@example.com")["AuthenticationResult"][
            "AccessToken"
        ]
        secret = cognito.associate_software_token(AccessToken=old_token)["SecretCode"]
        cognito.verify_software_token(AccessToken=old_token, UserCode=current_totp_code(secret))
        cognito.set_user_mfa_preference(
            AccessToken=old_token,
            SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True},
        )
        ids_before = (first.info.user_pool_id, first.info.client_id)
    finally:
        first.stop()

    second = _start_or_skip(tmp_path / "second", data_dir, cognito_state)
    try:
        cognito = second.client("cognito-idp")
        challenge = _log_in(second, cognito, "kept@example.com")
        assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
        answered = cognito.respond_to_auth_challenge(
            ClientId=second.info.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=challenge["Session"],
            ChallengeResponses={
                "USERNAME": "kept@example.com",
                "SOFTWARE_TOKEN_MFA_CODE": current_totp_code(secret),
            },
        )
        new_token = answered["AuthenticationResult"]["AccessToken"]

        assert (second.info.user_pool_id, second.info.client_id) == ids_before
        assert _claims(second, new_token)["sub"] == user_sub
        # A token from before the restart still verifies with the pool's keys and is accepted.
        assert _claims(second, old_token)["sub"] == user_sub
        attributes = cognito.get_user(AccessToken=old_token)["UserAttributes"]
        assert {"Name": "sub", "Value": user_sub} in attributes
        assert len(cognito.list_users(UserPoolId=second.info.user_pool_id)["Users"]) == 1
    finally:
        second.stop()


def test_a_stack_without_a_state_file_forgets_its_users(tmp_path: Path) -> None:
    first = _start_or_skip(tmp_path / "first")
    try:
        _register_confirmed_user(first, first.client("cognito-idp"), "gone@example.com")
    finally:
        first.stop()
    second = _start_or_skip(tmp_path / "second")
    try:
        users = second.client("cognito-idp").list_users(UserPoolId=second.info.user_pool_id)
        assert users["Users"] == []
    finally:
        second.stop()


def _claims(stack: LocalStack, token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token,
        key=_signing_key(stack, token),
        algorithms=["RS256"],
        issuer=f"https://cognito-idp.{stack.info.region}.amazonaws.com/{stack.info.user_pool_id}",
    )
    return claims


def _register_confirmed_user(stack: LocalStack, cognito: Any, email: str) -> str:
    signed_up = cognito.sign_up(
        ClientId=stack.info.client_id,
        Username=email,
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": email},
            {"Name": "given_name", "Value": "Test"},
            {"Name": "family_name", "Value": "User"},
        ],
    )
    cognito.admin_confirm_sign_up(UserPoolId=stack.info.user_pool_id, Username=email)
    return str(signed_up["UserSub"])


def _log_in(stack: LocalStack, cognito: Any, email: str) -> dict[str, Any]:
    response: dict[str, Any] = cognito.initiate_auth(
        ClientId=stack.info.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return response


def _signing_key(stack: LocalStack, token: str) -> Any:
    url = f"{stack.info.cognito_endpoint}/{stack.info.user_pool_id}/.well-known/jwks.json"
    jwks = jwt.PyJWKSet.from_dict(requests.get(url, timeout=5).json())
    return jwks[jwt.get_unverified_header(token)["kid"]].key


def _port(endpoint: str) -> int:
    return int(endpoint.rsplit(":", 1)[1])


def _is_listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_the_deletion_worker_queues_unfinished_jobs_again(stack: LocalStack) -> None:
    """moto's queues are lost with the stack, the jobs in DynamoDB Local are not: the worker
    queues every job not yet completed (deletions and exports) when it starts."""
    from chalicelib.account.exports.records import export_job_key
    from scripts.deletion_worker import requeue_unfinished

    dynamodb, sqs = stack.client("dynamodb"), stack.client("sqs")
    table = stack.info.table_name
    jobs = {"a" * 64: "in_progress", "b" * 64: "completed"}
    for subject, status in jobs.items():
        dynamodb.put_item(
            TableName=table,
            Item={"PK": {"S": f"DELETION#{subject}"}, "SK": {"S": "JOB"}, "status": {"S": status}},
        )
    # Exports too: queued and running ones, not ready or failed ones.
    exports = {"e1": "queued", "e2": "running", "e3": "ready", "e4": "failed"}
    for export_id, status in exports.items():
        dynamodb.put_item(
            TableName=table,
            Item={
                "PK": {"S": "USER#requeue-user"},
                "SK": {"S": f"EXPORT#{export_id}"},
                "userId": {"S": "requeue-user"},
                "exportId": {"S": export_id},
                "status": {"S": status},
            },
        )
    url = sqs.create_queue(QueueName="requeue-test")["QueueUrl"]
    assert requeue_unfinished(dynamodb, table, sqs, url) == 3
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(message["Body"] for message in messages) == sorted(
        json.dumps(body)
        for body in (
            {"deletion": "a" * 64},
            {"export": export_job_key("requeue-user", "e1")},
            {"export": export_job_key("requeue-user", "e2")},
        )
    )
    for subject in jobs:
        dynamodb.delete_item(
            TableName=table, Key={"PK": {"S": f"DELETION#{subject}"}, "SK": {"S": "JOB"}}
        )
    for export_id in exports:
        dynamodb.delete_item(
            TableName=table,
            Key={"PK": {"S": "USER#requeue-user"}, "SK": {"S": f"EXPORT#{export_id}"}},
        )

"""scripts/bootstrap.py against a moto server: what `chalice deploy --stage X` relies on."""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from scripts.local_stack import free_port
from scripts.package import REPO_ROOT

MOTO_ACCOUNT = "123456789012"
REGION = "us-east-1"


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 (a local test URL)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"moto server did not answer at {url}")


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        endpoint = f"http://127.0.0.1:{port}"
        _wait_for(f"{endpoint}/moto-api/", process)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the bootstrap reads and writes, so the real config stays untouched."""
    shutil.copytree(
        REPO_ROOT / ".chalice",
        tmp_path / ".chalice",
        ignore=shutil.ignore_patterns("deployments", "venv"),
    )
    shutil.copytree(REPO_ROOT / "infra", tmp_path / "infra")
    return tmp_path


def _aws_env(endpoint: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") or key == "AWS_DEFAULT_REGION"
    }
    return env | {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }


def _bootstrap(stage: str, project: Path, endpoint: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "bootstrap.py"),
            stage,
            "--project-dir",
            str(project),
        ],
        env=_aws_env(endpoint),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _stage_env(project: Path, stage: str) -> dict[str, str]:
    config = json.loads((project / ".chalice" / "config.json").read_text())
    env: dict[str, str] = config["stages"][stage]["environment_variables"]
    return env


def test_bootstrap_writes_the_pool_ids_into_the_stage_config(project, moto_endpoint):
    before = (project / ".chalice" / "config.json").read_text()
    result = _bootstrap("dev", project, moto_endpoint)
    assert result.returncode == 0, result.stderr
    assert "chalice deploy --stage dev" in result.stdout

    env = _stage_env(project, "dev")
    pool = _client("cognito-idp", moto_endpoint).describe_user_pool(
        UserPoolId=env["COGNITO_USER_POOL_ID"]
    )["UserPool"]
    assert pool["Name"] == "ai-lifestyle-dev"
    assert env["COGNITO_USER_POOL_ARN"] == pool["Arn"]
    clients = _client("cognito-idp", moto_endpoint).list_user_pool_clients(UserPoolId=pool["Id"])[
        "UserPoolClients"
    ]
    assert [c["ClientId"] for c in clients] == [env["COGNITO_CLIENT_ID"]]
    # Only the three ids and the bucket's name changed; every other stage and key is as it was.
    original = json.loads(before)
    original["stages"]["dev"]["environment_variables"].update(
        {
            key: env[key]
            for key in (
                "COGNITO_USER_POOL_ID",
                "COGNITO_CLIENT_ID",
                "COGNITO_USER_POOL_ARN",
                "ACCOUNT_DATA_BUCKET",
            )
        }
    )
    after = (project / ".chalice" / "config.json").read_text()
    assert json.loads(after) == original
    assert after == json.dumps(original, indent=2) + "\n"


def test_bootstrap_makes_the_deployed_table(project, moto_endpoint):
    assert _bootstrap("staging", project, moto_endpoint).returncode == 0
    dynamodb = _client("dynamodb", moto_endpoint)
    table = dynamodb.describe_table(TableName="ai-lifestyle-staging")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    assert [i["IndexName"] for i in table["LocalSecondaryIndexes"]] == ["ActivityIdIndex"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["SyncIndex"]
    backups = dynamodb.describe_continuous_backups(TableName="ai-lifestyle-staging")
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    ttl = dynamodb.describe_time_to_live(TableName="ai-lifestyle-staging")
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"


def test_bootstrap_protects_prod_from_deletion(project, moto_endpoint):
    assert _bootstrap("prod", project, moto_endpoint).returncode == 0
    table = _client("dynamodb", moto_endpoint).describe_table(TableName="ai-lifestyle-prod")[
        "Table"
    ]
    assert table["DeletionProtectionEnabled"] is True


def test_bootstrap_writes_the_policy_for_the_real_account_and_pool(project, moto_endpoint):
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0
    env = _stage_env(project, "dev")
    document = json.loads((project / ".chalice" / "policy-dev.json").read_text())
    resources = [r for statement in document["Statement"] for r in statement["Resource"]]
    assert f"arn:aws:dynamodb:{REGION}:{MOTO_ACCOUNT}:table/ai-lifestyle-dev" in resources
    assert (
        f"arn:aws:cognito-idp:{REGION}:{MOTO_ACCOUNT}:userpool/{env['COGNITO_USER_POOL_ID']}"
    ) in resources
    # Every ARN is the real account's; X-Ray's write actions take no ARN at all ("*").
    assert all(MOTO_ACCOUNT in resource for resource in resources if resource != "*")


def test_bootstrap_makes_the_function_log_group_with_a_retention(project, moto_endpoint):
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0
    groups = _client("logs", moto_endpoint).describe_log_groups(
        logGroupNamePrefix="/aws/lambda/ai-lifestyle-api-dev"
    )["logGroups"]
    assert [(g["logGroupName"], g.get("retentionInDays")) for g in groups] == [
        ("/aws/lambda/ai-lifestyle-api-dev", 14),
        ("/aws/lambda/ai-lifestyle-api-dev-erase_accounts", 14),
        ("/aws/lambda/ai-lifestyle-api-dev-send_reminders", 14),
    ]


def test_bootstrap_asks_ses_to_verify_the_reminder_sender(project, moto_endpoint):
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0
    identities = _client("ses", moto_endpoint).list_identities()["Identities"]
    assert "reminders@ai-lifestyle.example" in identities


def test_bootstrap_makes_the_deletion_queue_with_its_dead_letter_queue(project, moto_endpoint):
    # chalice deploy binds the eraser to the queue by name, but does not make it.
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0  # and again: no change
    sqs = _client("sqs", moto_endpoint)
    url = sqs.get_queue_url(QueueName="ai-lifestyle-api-dev-account-deletion")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"].endswith(":ai-lifestyle-api-dev-account-deletion-dlq")
    assert int(attributes["VisibilityTimeout"]) >= 900


def test_bootstrap_makes_the_private_account_data_bucket(project, moto_endpoint):
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0  # and again: no change
    name = _stage_env(project, "dev")["ACCOUNT_DATA_BUCKET"]
    assert re.fullmatch(r"ai-lifestyle-api-dev-account-data-\d{12}", name)
    s3 = _client("s3", moto_endpoint)
    block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert len(block) == 4
    [rule] = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    assert {r["Filter"]["Prefix"]: r["Expiration"]["Days"] for r in rules} == {
        "exports/": 7,
        "imports/": 2,
    }
    [deny] = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"]
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_bootstrap_makes_the_session_token_secret_once(project, moto_endpoint):
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0
    secrets = _client("secretsmanager", moto_endpoint)
    name = _stage_env(project, "dev")["SESSION_TOKEN_SECRET_ID"]
    assert name == "ai-lifestyle-api-dev/session-token-secret"
    first = secrets.get_secret_value(SecretId=name)["SecretString"]
    assert len(first) >= 32
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0
    assert secrets.get_secret_value(SecretId=name)["SecretString"] == first


def test_bootstrap_is_idempotent(project, moto_endpoint):
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0
    first = _stage_env(project, "dev")
    assert _bootstrap("dev", project, moto_endpoint).returncode == 0
    assert _stage_env(project, "dev") == first


def test_bootstrap_fails_clearly_without_aws(project):
    result = _bootstrap("dev", project, f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert result.stderr.startswith("bootstrap failed:")
    assert _stage_env(project, "dev")["COGNITO_USER_POOL_ID"] == ""

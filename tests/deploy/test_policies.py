"""The Lambda role may do exactly what chalicelib calls, on the stage's own resources only.

The code is scanned for boto3 operation names (from botocore's own service models), so a new
call without its permission, or a permission no code needs any more, fails here first.
"""

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from scripts import policy
from scripts.chalice_config import ChaliceConfig
from scripts.package import API_HANDLER_ROLE, REPO_ROOT

CODE_DIR = REPO_ROOT / "chalicelib"
# Operations Cognito authorises by client id or access token, never by IAM.
COGNITO_WITHOUT_IAM = {
    "sign_up",
    "confirm_sign_up",
    "resend_confirmation_code",
    "initiate_auth",
    "respond_to_auth_challenge",
    "forgot_password",
    "confirm_forgot_password",
    "associate_software_token",
    "verify_software_token",
    "set_user_mfa_preference",
    "get_user",
    "delete_user",
    "global_sign_out",
    "revoke_token",
    "change_password",
}
# Called only behind the local-stage-only DEV_TOOLS_ENABLED switch (verifying an account by
# hand), so deliberately not granted to deployed stages.
LOCAL_ONLY = {"admin_confirm_sign_up"}
# Items inside TransactWriteItems need the permission of the matching single-item call.
TRANSACTION_ITEMS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@cache
def _operations(service: str) -> dict[str, str]:
    """snake_case boto3 method name -> API operation name, for one AWS service."""
    model = botocore.session.get_session().get_service_model(service)
    return {xform_name(name): name for name in model.operation_names}


def _code() -> dict[Path, str]:
    return {path: path.read_text() for path in CODE_DIR.rglob("*.py")}


def _called(service: str, source: str) -> set[str]:
    """Operations called as a method (`.query(`) or by name (`self._call("sign_up", ...)`)."""
    names = set(re.findall(r"\.([a-z_]+)\(", source)) | set(
        re.findall(r"_call\(\s*[\"']([a-z_]+)[\"']", source)
    )
    return {name for name in names if name in _operations(service)}


def required_dynamodb_actions() -> set[str]:
    actions: set[str] = set()
    for source in _code().values():
        for name in _called("dynamodb", source):
            if name == "transact_write_items":
                kinds = set(re.findall(r"[\"'](Put|Update|Delete|ConditionCheck)[\"']", source))
                actions |= {f"dynamodb:{TRANSACTION_ITEMS[kind]}" for kind in kinds}
            elif name == "transact_get_items":
                actions.add("dynamodb:GetItem")
            else:
                actions.add(f"dynamodb:{_operations('dynamodb')[name]}")
    return actions


def required_cognito_actions() -> set[str]:
    called = set().union(*(_called("cognito-idp", source) for source in _code().values()))
    needing_iam = called - COGNITO_WITHOUT_IAM - LOCAL_ONLY
    return {f"cognito-idp:{_operations('cognito-idp')[name]}" for name in needing_iam}


def test_the_scan_sees_the_calls_it_must_see():
    assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"} <= (
        required_dynamodb_actions()
    )
    assert "cognito-idp:AdminDeleteUser" in required_cognito_actions()
    assert "admin_confirm_sign_up" in set().union(
        *(_called("cognito-idp", source) for source in _code().values())
    )


def test_dynamodb_actions_are_exactly_what_the_code_calls():
    assert set(policy.DYNAMODB_ACTIONS) == required_dynamodb_actions(), (
        "update DYNAMODB_ACTIONS in scripts/policy.py, then run `python scripts/policy.py`"
    )


def test_index_access_is_query_only_and_only_when_the_code_queries():
    if policy.index_names():
        assert set(policy.DYNAMODB_INDEX_ACTIONS) == {"dynamodb:Query"}
        assert "dynamodb:Query" in required_dynamodb_actions()


def test_cognito_actions_are_exactly_the_admin_calls_of_deployed_code():
    assert set(policy.COGNITO_ACTIONS) == required_cognito_actions()


def test_no_cognito_call_goes_unclassified():
    called = set().union(*(_called("cognito-idp", source) for source in _code().values()))
    for name in called:
        assert (
            name in COGNITO_WITHOUT_IAM
            or name in LOCAL_ONLY
            or f"cognito-idp:{_operations('cognito-idp')[name]}" in policy.COGNITO_ACTIONS
        )


def test_secrets_actions_are_exactly_what_the_code_calls():
    called = set().union(*(_called("secretsmanager", source) for source in _code().values()))
    assert called == {"get_secret_value"}
    assert set(policy.SECRETS_ACTIONS) == {
        f"secretsmanager:{_operations('secretsmanager')[name]}" for name in called
    }


def test_the_role_reads_exactly_the_stages_session_token_secret(committed_policy, resources):
    stage, document = committed_policy
    [secret] = [s for s in _statements(document) if s["Sid"] == "SessionTokenSecret"]
    [arn] = secret["Resource"]
    assert arn.endswith(f":secret:ai-lifestyle-api-{stage}/session-token-secret-??????")
    stack = resources[API_HANDLER_ROLE]["Properties"]["Policies"][0]["PolicyDocument"]
    [packaged] = [s for s in _statements(stack) if s["Sid"] == "SessionTokenSecret"]
    assert packaged["Resource"] == [{"Ref": "SessionTokenSecret"}]
    assert packaged["Action"] == ["secretsmanager:GetSecretValue"]


def _statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = document["Statement"]
    return statements


def _assert_least_privilege(document: dict[str, Any]) -> None:
    for statement in _statements(document):
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            assert "*" not in action, action
        for resource in statement["Resource"]:
            text = json.dumps(resource)
            if statement["Sid"] == "FunctionLogs":
                continue  # a log group's streams are the one place a wildcard is allowed
            if statement["Sid"] == "AccountDataObjects":
                # The objects under one prefix: the wildcard ends the ARN after the prefix.
                assert re.search(r"/(exports|imports)/\*\"?\}?$", text), resource
                assert text.count("*") == 1, resource
                continue
            if statement["Sid"] == "Tracing":
                # X-Ray's write actions take no resource ARN; nothing else may ride along.
                assert set(statement["Action"]) == set(policy.XRAY_ACTIONS)
                assert statement["Resource"] == ["*"]
                continue
            assert "*" not in text, resource


@pytest.fixture(scope="module", params=policy.DEPLOYED_STAGES)
def committed_policy(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    stage = str(request.param)
    path = policy.policy_path(REPO_ROOT, stage)
    return stage, json.loads(path.read_text())


def test_committed_policy_files_are_generated_for_their_stage(committed_policy):
    stage, document = committed_policy
    environment = ChaliceConfig.load(REPO_ROOT).stage_environment(stage)
    table_arn = _statements(document)[0]["Resource"][0]
    account = table_arn.split(":")[4]
    pool_id = environment.get("COGNITO_USER_POOL_ID") or None
    assert document == policy.lambda_policy(
        policy.literal_targets(
            stage=stage,
            account=account,
            region=environment["REGION"],
            table_name=environment["TABLE_NAME"],
            user_pool_id=pool_id,
            reminder_sender=environment["REMINDER_SENDER"],
        )
    )
    assert table_arn.endswith(f":table/ai-lifestyle-{stage}")


def test_committed_policy_files_have_no_wildcards(committed_policy):
    stage, document = committed_policy
    _assert_least_privilege(document)
    api_streams, eraser_streams, reminder_streams = _statements(document)[-1]["Resource"]
    assert api_streams.endswith(f":log-group:/aws/lambda/ai-lifestyle-api-{stage}:*")
    assert eraser_streams.endswith(
        f":log-group:/aws/lambda/ai-lifestyle-api-{stage}-{policy.ERASER_HANDLER}:*"
    )
    assert reminder_streams.endswith(
        f":log-group:/aws/lambda/ai-lifestyle-api-{stage}-{policy.REMINDER_HANDLER}:*"
    )


def test_ses_actions_are_what_the_mail_module_calls_and_only_it_sends():
    called = set().union(*(_called("ses", source) for source in _code().values()))
    assert called == {"send_email"}
    assert set(policy.SES_ACTIONS) == {f"ses:{_operations('ses')[name]}" for name in called}
    for path, source in _code().items():
        if path.name != "mail.py":
            assert 'client("ses"' not in source, path


def test_reminder_email_may_come_from_the_stages_sender_only(committed_policy, resources):
    stage, document = committed_policy
    sender = ChaliceConfig.load(REPO_ROOT).stage_environment(stage)["REMINDER_SENDER"]
    [email] = [s for s in _statements(document) if s["Sid"] == "ReminderEmail"]
    assert email["Action"] == ["ses:SendEmail"]
    [identity] = email["Resource"]
    assert re.fullmatch(rf"arn:aws:ses:us-east-1:\d{{12}}:identity/{re.escape(sender)}", identity)
    assert email["Condition"] == {"StringEquals": {"ses:FromAddress": sender}}
    stack = resources[API_HANDLER_ROLE]["Properties"]["Policies"][0]["PolicyDocument"]
    [packaged] = [s for s in _statements(stack) if s["Sid"] == "ReminderEmail"]
    assert packaged["Condition"] == {"StringEquals": {"ses:FromAddress": {"Ref": "ReminderSender"}}}


def test_sqs_actions_are_what_the_code_sends_and_the_event_source_receives():
    called = set().union(*(_called("sqs", source) for source in _code().values()))
    assert called == {"get_queue_url", "send_message"}
    assert set(policy.SQS_SENDER_ACTIONS) == {f"sqs:{_operations('sqs')[name]}" for name in called}
    # What Lambda's event source mapping calls with the function's role, and nothing more.
    assert set(policy.SQS_EVENT_SOURCE_ACTIONS) == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    }


def test_the_queue_statement_names_the_stages_deletion_queue_only(committed_policy):
    stage, document = committed_policy
    [queue] = [s for s in _statements(document) if s["Sid"] == "DeletionQueue"]
    assert queue["Resource"] == [
        queue["Resource"][0].rsplit(":", 1)[0] + f":ai-lifestyle-api-{stage}-account-deletion"
    ]
    assert queue["Resource"][0].startswith("arn:aws:sqs:")


def test_the_packaged_role_is_the_policy_bound_to_the_stacks_resources(resources):
    role = resources[API_HANDLER_ROLE]
    assert resources["APIHandler"]["Properties"]["Role"] == {
        "Fn::GetAtt": [API_HANDLER_ROLE, "Arn"]
    }
    [inline] = role["Properties"]["Policies"]
    document = inline["PolicyDocument"]
    assert document == policy.lambda_policy(policy.stack_targets())
    _assert_least_privilege(document)
    assert "ManagedPolicyArns" not in role["Properties"]


def test_no_other_role_exists(resources):
    roles = [name for name, r in resources.items() if r["Type"] == "AWS::IAM::Role"]
    assert roles == [API_HANDLER_ROLE]


# What each S3 call of chalicelib/core/storage.py needs (IAM has no action per API call for
# multipart uploads or head requests). A presigned URL or POST is signed with the role's
# credentials: S3 checks the action when the URL is used.
S3_ACTION_OF_CALL = {
    "create_multipart_upload": "s3:PutObject",
    "upload_part": "s3:PutObject",
    "complete_multipart_upload": "s3:PutObject",
    "abort_multipart_upload": "s3:AbortMultipartUpload",
    "generate_presigned_post": "s3:PutObject",
    "generate_presigned_url": "s3:GetObject",  # for get_object only (asserted below)
    "head_object": "s3:GetObject",
    "get_object": "s3:GetObject",
    "get_paginator": "s3:ListBucket",  # list_objects_v2 (asserted below)
    "delete_objects": "s3:DeleteObject",
}


def _s3_calls() -> set[str]:
    source = (CODE_DIR / "core" / "storage.py").read_text()
    methods = set(re.findall(r"client\(\)\.([a-z_0-9]+)\(", source))
    return methods


def test_s3_actions_are_exactly_what_the_storage_module_calls():
    calls = _s3_calls()
    assert calls <= set(S3_ACTION_OF_CALL), calls - set(S3_ACTION_OF_CALL)
    source = (CODE_DIR / "core" / "storage.py").read_text()
    assert '"get_object"' in source
    assert '"list_objects_v2"' in source
    required = {S3_ACTION_OF_CALL[call] for call in calls}
    assert set(policy.S3_OBJECT_ACTIONS) | set(policy.S3_BUCKET_ACTIONS) == required


def test_only_the_storage_module_talks_to_s3():
    for path, source in _code().items():
        if path.name != "storage.py":
            assert 'client("s3"' not in source, path


def test_the_bucket_statements_name_the_stages_bucket_and_its_two_prefixes(committed_policy):
    stage, document = committed_policy
    [objects] = [s for s in _statements(document) if s["Sid"] == "AccountDataObjects"]
    [listing] = [s for s in _statements(document) if s["Sid"] == "AccountDataListing"]
    [bucket] = listing["Resource"]
    assert re.fullmatch(rf"arn:aws:s3:::ai-lifestyle-api-{stage}-account-data-\d{{12}}", bucket)
    assert objects["Resource"] == [f"{bucket}/exports/*", f"{bucket}/imports/*"]
    # Listing is limited to the same prefixes: no other key of the bucket can be enumerated.
    assert listing["Condition"] == {"StringLike": {"s3:prefix": ["exports/*", "imports/*"]}}
    assert listing["Action"] == ["s3:ListBucket"]

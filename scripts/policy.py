"""The Lambda function's IAM policy: the one list of what the deployed code may do.

Used three ways, so the lists below exist only here:

* ``.chalice/policy-<stage>.json`` (``autogen_policy: false``) is this policy with literal ARNs.
  The committed files carry the placeholder account ``000000000000``; ``scripts/bootstrap.py``
  rewrites them with the real account before ``chalice deploy``.
* ``scripts/package.py`` puts it into the CloudFormation template with ARNs that point at the
  stack's own table, user pool, session token secret and log group.
* ``tests/deploy/test_policies.py`` proves the actions are exactly what ``chalicelib`` calls.

Regenerate the committed files after changing an action: ``python scripts/policy.py``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python scripts/policy.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.chalice_config import ChaliceConfig
from scripts.resources import data_bucket_name, deletion_queue_names, table_definition

# An ARN may be a literal string or a CloudFormation intrinsic such as {"Fn::GetAtt": [...]}.
Arn = str | dict[str, Any]

PLACEHOLDER_ACCOUNT = "000000000000"
ERASER_HANDLER = "erase_accounts"  # app.py's SQS handler
REMINDER_HANDLER = "send_reminders"  # app.py's scheduled function
DEPLOYED_STAGES = ("dev", "staging", "prod")
# A stage's REMINDER_SENDER (.chalice/config.json) when it names none.
DEFAULT_REMINDER_SENDER = "reminders@ai-lifestyle.example"

# Transactions have no IAM action of their own: each Put/Update/Delete inside one needs
# PutItem/UpdateItem/DeleteItem, and a ConditionCheck entry would need ConditionCheckItem.
DYNAMODB_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    # The account eraser deletes a user's items 25 at a time (core/dynamo.delete_keys).
    "dynamodb:BatchWriteItem",
    # A transaction's ConditionCheck (core/dynamo.Transaction.check): the journal label
    # backfill (scripts/backfill_journal_labels.py, the app's own code, so it can run under
    # the app's role) repairs an entry's pointers only while the entry is unchanged.
    "dynamodb:ConditionCheckItem",
)
# An index can only be read, and only queried by this code.
DYNAMODB_INDEX_ACTIONS = ("dynamodb:Query",)
# admin_delete_user undoes a half-finished registration. admin_confirm_sign_up is not here on
# purpose: only the local stage's developer command calls it, and IAM refusing it in deployed
# stages backs up the DEV_TOOLS_ENABLED switch. The token- and client-id-authorised calls
# (sign_up, initiate_auth, ...) are not governed by IAM at all.
# Account deletion disables the user and revokes its refresh tokens, and the eraser deletes it
# (by its id) once the data is gone.
COGNITO_ACTIONS = (
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminUserGlobalSignOut",
)
# The account-deletion queue (core/queue.py): the request and the eraser's continuations send
# to it (finding its URL by name); Lambda's event source mapping receives and deletes its
# messages with the function's role, which is why those three are here without code calling
# them (tests/deploy/test_policies.py lists them apart).
SQS_SENDER_ACTIONS = ("sqs:GetQueueUrl", "sqs:SendMessage")
SQS_EVENT_SOURCE_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
# The account-data bucket (chalicelib/core/storage.py), on its two prefixes only. PutObject
# covers a multipart upload's create/part/complete and the presigned POST of an import;
# GetObject covers head_object, the import job's read and the presigned download; a failed
# export aborts its upload; account deletion lists and deletes the user's objects.
S3_OBJECT_ACTIONS = (
    "s3:PutObject",
    "s3:GetObject",
    "s3:AbortMultipartUpload",
    "s3:DeleteObject",
)
S3_BUCKET_ACTIONS = ("s3:ListBucket",)
DATA_PREFIXES = ("exports/", "imports/")
# Goal reminders (chalicelib/core/mail.py): email from the stage's one verified sender, and
# from no other address (the condition), whatever the code asks.
SES_ACTIONS = ("ses:SendEmail",)
# The log group exists before the function runs (the stack or the bootstrap creates it).
LOGS_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
# The key that seals MFA session tokens (chalicelib/core/secrets.py): read, never written.
SECRETS_ACTIONS = ("secretsmanager:GetSecretValue",)
# Active tracing (`xray: true`): the function sends its segments. X-Ray's write actions have
# no resource ARNs, so this is the one statement whose resource is "*".
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


@dataclass(frozen=True)
class PolicyTargets:
    """What the policy grants access to: the stage's table and its indexes, pool, deletion
    queue and the log groups of its two functions (the API and the account eraser)."""

    table: Arn
    indexes: Sequence[Arn]
    user_pool: Arn
    log_streams: Arn
    session_token_secret: Arn
    deletion_queue: Arn
    eraser_log_streams: Arn
    data_bucket: Arn
    data_objects: Sequence[Arn]  # the bucket's two prefixes (DATA_PREFIXES), as `.../prefix*`
    reminder_log_streams: Arn
    reminder_identity: Arn  # the SES identity of the sender
    reminder_sender: str | dict[str, Any]  # its address (a literal or a Ref)


def lambda_policy(targets: PolicyTargets) -> dict[str, Any]:
    statements = [_allow("TableItems", DYNAMODB_ACTIONS, [targets.table])]
    if targets.indexes:
        statements.append(_allow("TableIndexes", DYNAMODB_INDEX_ACTIONS, list(targets.indexes)))
    statements += [
        _allow("UserPoolAdmin", COGNITO_ACTIONS, [targets.user_pool]),
        _allow(
            "DeletionQueue",
            SQS_SENDER_ACTIONS + SQS_EVENT_SOURCE_ACTIONS,
            [targets.deletion_queue],
        ),
        _allow("AccountDataObjects", S3_OBJECT_ACTIONS, list(targets.data_objects)),
        {
            **_allow("AccountDataListing", S3_BUCKET_ACTIONS, [targets.data_bucket]),
            "Condition": {"StringLike": {"s3:prefix": [f"{p}*" for p in DATA_PREFIXES]}},
        },
        _allow("SessionTokenSecret", SECRETS_ACTIONS, [targets.session_token_secret]),
        {
            **_allow("ReminderEmail", SES_ACTIONS, [targets.reminder_identity]),
            "Condition": {"StringEquals": {"ses:FromAddress": targets.reminder_sender}},
        },
        _allow("Tracing", XRAY_ACTIONS, ["*"]),
        _allow(
            "FunctionLogs",
            LOGS_ACTIONS,
            [targets.log_streams, targets.eraser_log_streams, targets.reminder_log_streams],
        ),
    ]
    return {"Version": "2012-10-17", "Statement": statements}


def _allow(sid: str, actions: Sequence[str], resources: list[Arn]) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": resources}


def index_names() -> list[str]:
    """The table's secondary indexes, from the one definition of the table."""
    definition = table_definition("any")
    indexes = definition.get("LocalSecondaryIndexes", []) + definition.get(
        "GlobalSecondaryIndexes", []
    )
    return [index["IndexName"] for index in indexes]


def function_log_group(stage: str) -> str:
    """The stage's function log group: `chalice deploy`'s name for it, reused by the stack."""
    return f"/aws/lambda/ai-lifestyle-api-{stage}"


def eraser_log_group(stage: str) -> str:
    """The account eraser's log group: `chalice deploy` names a function
    `<app>-<stage>-<handler>`."""
    return f"/aws/lambda/ai-lifestyle-api-{stage}-{ERASER_HANDLER}"


def reminder_log_group(stage: str) -> str:
    """The reminder schedule's log group, as `chalice deploy` names the function."""
    return f"/aws/lambda/ai-lifestyle-api-{stage}-{REMINDER_HANDLER}"


def session_token_secret_name(stage: str) -> str:
    """The stage's Secrets Manager secret for MFA session tokens (stack and bootstrap alike)."""
    return f"ai-lifestyle-api-{stage}/session-token-secret"


def literal_targets(
    *,
    stage: str,
    account: str,
    region: str,
    table_name: str,
    user_pool_id: str | None = None,
    reminder_sender: str = DEFAULT_REMINDER_SENDER,
) -> PolicyTargets:
    """Targets as plain ARNs, for `chalice deploy` (IAM sees exactly these strings)."""
    table = f"arn:aws:dynamodb:{region}:{account}:table/{table_name}"
    bucket = f"arn:aws:s3:::{data_bucket_name(stage, account)}"
    pool = user_pool_id or f"{region}_unbootstrapped"
    return PolicyTargets(
        table=table,
        indexes=[f"{table}/index/{index}" for index in index_names()],
        user_pool=f"arn:aws:cognito-idp:{region}:{account}:userpool/{pool}",
        log_streams=f"arn:aws:logs:{region}:{account}:log-group:{function_log_group(stage)}:*",
        eraser_log_streams=f"arn:aws:logs:{region}:{account}:log-group:{eraser_log_group(stage)}:*",
        deletion_queue=f"arn:aws:sqs:{region}:{account}:{deletion_queue_names(stage)[0]}",
        data_bucket=bucket,
        data_objects=[f"{bucket}/{prefix}*" for prefix in DATA_PREFIXES],
        reminder_log_streams=(
            f"arn:aws:logs:{region}:{account}:log-group:{reminder_log_group(stage)}:*"
        ),
        reminder_identity=f"arn:aws:ses:{region}:{account}:identity/{reminder_sender}",
        reminder_sender=reminder_sender,
        # Secrets Manager appends six random characters to a secret's name in its ARN.
        session_token_secret=(
            f"arn:aws:secretsmanager:{region}:{account}:secret:"
            f"{session_token_secret_name(stage)}-??????"
        ),
    )


def stack_targets() -> PolicyTargets:
    """Targets as CloudFormation intrinsics naming the resources of infra/template.yaml."""
    return PolicyTargets(
        table={"Fn::GetAtt": ["Table", "Arn"]},
        indexes=[{"Fn::Sub": f"${{Table.Arn}}/index/{index}"} for index in index_names()],
        user_pool={"Fn::GetAtt": ["UserPool", "Arn"]},
        # A log group's Arn attribute already ends in ":*", i.e. covers its streams.
        log_streams={"Fn::GetAtt": ["FunctionLogGroup", "Arn"]},
        eraser_log_streams={"Fn::GetAtt": ["EraserLogGroup", "Arn"]},
        deletion_queue={"Fn::GetAtt": ["DeletionQueue", "Arn"]},
        data_bucket={"Fn::GetAtt": ["DataBucket", "Arn"]},
        data_objects=[{"Fn::Sub": f"${{DataBucket.Arn}}/{prefix}*"} for prefix in DATA_PREFIXES],
        reminder_log_streams={"Fn::GetAtt": ["ReminderLogGroup", "Arn"]},
        reminder_identity={
            "Fn::Sub": "arn:aws:ses:${AWS::Region}:${AWS::AccountId}:identity/${ReminderSender}"
        },
        reminder_sender={"Ref": "ReminderSender"},
        # Ref of a secret is its full ARN.
        session_token_secret={"Ref": "SessionTokenSecret"},
    )


def policy_path(project_dir: Path, stage: str) -> Path:
    return project_dir / ".chalice" / f"policy-{stage}.json"


def write_policy(path: Path, policy: dict[str, Any]) -> None:
    path.write_text(json.dumps(policy, indent=2) + "\n")


def main() -> int:
    """Rewrite the committed policy files, keeping whatever account and pool each one names."""
    project_dir = Path(__file__).resolve().parent.parent
    config = ChaliceConfig.load(project_dir)
    for stage in DEPLOYED_STAGES:
        env = config.stage_environment(stage)
        write_policy(
            policy_path(project_dir, stage),
            lambda_policy(
                literal_targets(
                    stage=stage,
                    account=_account_of(env.get("COGNITO_USER_POOL_ARN")) or PLACEHOLDER_ACCOUNT,
                    region=env["REGION"],
                    table_name=env["TABLE_NAME"],
                    user_pool_id=env.get("COGNITO_USER_POOL_ID") or None,
                    reminder_sender=env.get("REMINDER_SENDER") or DEFAULT_REMINDER_SENDER,
                )
            ),
        )
    return 0


def _account_of(arn: str | None) -> str | None:
    parts = (arn or "").split(":")
    return parts[4] if len(parts) > 5 and parts[4] else None


if __name__ == "__main__":
    sys.exit(main())

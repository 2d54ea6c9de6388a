"""Prepare a stage for ``chalice deploy``: what Chalice cannot create, made with boto3.

    python scripts/bootstrap.py dev      # then: chalice deploy --stage dev

Creates (or finds) the stage's table, user pool and app client, the function's log group, the
account-data bucket and the MFA session token secret (a random value made once, kept in
Secrets Manager), then writes their ids into ``.chalice/config.json`` and the account's ARNs into
``.chalice/policy-<stage>.json``. Idempotent: run it before every ``chalice deploy``.

It uses boto3's usual credentials and endpoints, so ``AWS_ENDPOINT_URL`` points it at a moto
server in the tests. The CloudFormation path (``make package``) does not need it: the stack
makes the same resources itself.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if __package__ in (None, ""):  # run as `python scripts/bootstrap.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalice.package import YAMLTemplateSerializer

from scripts.chalice_config import ChaliceConfig
from scripts.policy import (
    DEFAULT_REMINDER_SENDER,
    DEPLOYED_STAGES,
    eraser_log_group,
    function_log_group,
    lambda_policy,
    literal_targets,
    policy_path,
    reminder_log_group,
    session_token_secret_name,
    write_policy,
)
from scripts.resources import (
    data_bucket_name,
    deletion_queue_names,
    ensure_data_bucket,
    ensure_deletion_queue,
    ensure_table,
    ensure_user_pool,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
# Fail in seconds, not minutes, when there is no network or no AWS behind it.
_CLIENT_CONFIG = Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard"})


@dataclass(frozen=True)
class StageResources:
    account: str
    table_name: str
    user_pool_id: str
    user_pool_arn: str
    client_id: str
    log_group: str


def user_pool_name(stage: str) -> str:
    return f"ai-lifestyle-{stage}"


def client_name(stage: str) -> str:
    return f"ai-lifestyle-{stage}-web"


def log_retention_days(stage: str, project_dir: Path) -> int:
    """The retention infra/template.yaml gives the stage's logs, so both paths agree."""
    template_path = project_dir / "infra" / "template.yaml"
    template = YAMLTemplateSerializer().load_template(template_path.read_text())
    return int(template["Mappings"]["StageSettings"][stage]["LogRetentionDays"])


def bootstrap(stage: str, project_dir: Path = REPO_ROOT) -> StageResources:
    config = ChaliceConfig.load(project_dir)
    environment = config.stage_environment(stage)
    session = boto3.session.Session(region_name=environment["REGION"])
    protect = stage == "prod"

    account = session.client("sts", config=_CLIENT_CONFIG).get_caller_identity()["Account"]
    table_name = environment["TABLE_NAME"]
    ensure_table(
        session.client("dynamodb", config=_CLIENT_CONFIG),
        table_name,
        deployed=True,
        deletion_protection=protect,
    )
    cognito = session.client("cognito-idp", config=_CLIENT_CONFIG)
    pool_id, client_id = ensure_user_pool(
        cognito, user_pool_name(stage), client_name(stage), deletion_protection=protect
    )
    pool_arn = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
    log_group = function_log_group(stage)
    logs = session.client("logs", config=_CLIENT_CONFIG)
    for group in (log_group, eraser_log_group(stage), reminder_log_group(stage)):
        _ensure_log_group(logs, group, log_retention_days(stage, project_dir))
    # The reminders' sender: SES emails the address a link once; until it is followed, sends
    # are refused (and logged by the reminder job). Asking again is harmless.
    sender = environment.get("REMINDER_SENDER") or DEFAULT_REMINDER_SENDER
    session.client("ses", config=_CLIENT_CONFIG).verify_email_identity(EmailAddress=sender)
    # `chalice deploy` binds the eraser to its queue by name but never makes the queue.
    ensure_deletion_queue(
        session.client("sqs", config=_CLIENT_CONFIG), *deletion_queue_names(stage)
    )
    _ensure_session_token_secret(
        session.client("secretsmanager", config=_CLIENT_CONFIG), session_token_secret_name(stage)
    )
    data_bucket = data_bucket_name(stage, account)
    ensure_data_bucket(
        session.client("s3", config=_CLIENT_CONFIG), data_bucket, environment["REGION"]
    )

    config.set_stage_environment(
        stage,
        {
            "COGNITO_USER_POOL_ID": pool_id,
            "COGNITO_CLIENT_ID": client_id,
            # app.py builds the authorizer from this when chalice deploy imports it.
            "COGNITO_USER_POOL_ARN": pool_arn,
            "ACCOUNT_DATA_BUCKET": data_bucket,
        },
    )
    config.save()
    write_policy(
        policy_path(project_dir, stage),
        lambda_policy(
            literal_targets(
                stage=stage,
                account=account,
                region=environment["REGION"],
                table_name=table_name,
                user_pool_id=pool_id,
            )
        ),
    )
    return StageResources(
        account=account,
        table_name=table_name,
        user_pool_id=pool_id,
        user_pool_arn=pool_arn,
        client_id=client_id,
        log_group=log_group,
    )


def _ensure_log_group(logs_client: Any, name: str, retention_days: int) -> None:
    # Made here rather than by Lambda on first write, so that it has a retention and the
    # function's policy needs no logs:CreateLogGroup.
    try:
        logs_client.create_log_group(logGroupName=name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceAlreadyExistsException":
            raise
    logs_client.put_retention_policy(logGroupName=name, retentionInDays=retention_days)


def _ensure_session_token_secret(secrets_client: Any, name: str) -> None:
    # A random key made once and kept: making a new one would only end MFA sign-ins under
    # way, but there is no reason to. The value never leaves AWS (the stage config names it).
    try:
        secrets_client.create_secret(
            Name=name,
            Description="HMAC key for the API's MFA session tokens",
            SecretString=secrets.token_urlsafe(48),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ResourceExistsException":
            raise


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("stage", choices=DEPLOYED_STAGES)
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=REPO_ROOT,
        help="the Chalice project whose config is updated (default: this one)",
    )
    args = parser.parse_args(argv)
    try:
        made = bootstrap(args.stage, args.project_dir)
    except (BotoCoreError, ClientError) as error:
        print(f"bootstrap failed: {error}", file=sys.stderr)
        return 1
    print(
        "\n".join(
            [
                f"Stage {args.stage} in account {made.account}:",
                f"  table          {made.table_name}",
                f"  user pool      {made.user_pool_id}",
                f"  app client     {made.client_id}",
                f"  log group      {made.log_group}",
                f"Wrote their ids into {args.project_dir / '.chalice' / 'config.json'} and "
                f"{policy_path(args.project_dir, args.stage).name}.",
                f"Next: chalice deploy --stage {args.stage}",
            ]
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

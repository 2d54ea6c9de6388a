"""The shape of the app's AWS resources, shared by the local stack and the deploy bootstrap.

Every ``ensure_*`` function is idempotent: it finds what already exists by name and only creates
what is missing, so it is safe to run on every start and on every deploy.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

TTL_ATTRIBUTE = "expiresAt"
# Finds an activity by its id inside its goal's partition (the table's sort key orders
# activities by date). Local indexes can only be made with the table.
ACTIVITY_ID_INDEX = "ActivityIdIndex"
# A user's changes in the order they were made (chalicelib/core/changes.py): sparse, only
# stamped items carry its keys. A global index can be added to a table that exists.
SYNC_INDEX = "SyncIndex"
SYNC_INDEX_DEFINITION: dict[str, Any] = {
    "IndexName": SYNC_INDEX,
    "KeySchema": [
        {"AttributeName": "syncUser", "KeyType": "HASH"},
        {"AttributeName": "syncSeq", "KeyType": "RANGE"},
    ],
    "Projection": {"ProjectionType": "ALL"},
}
SYNC_INDEX_ATTRIBUTES = [
    {"AttributeName": "syncUser", "AttributeType": "S"},
    {"AttributeName": "syncSeq", "AttributeType": "S"},
]

ACCESS_TOKEN_MINUTES = 60
ID_TOKEN_MINUTES = 60
REFRESH_TOKEN_DAYS = 30

_TABLE_WAIT = {"Delay": 1, "MaxAttempts": 60}
_PAGE_SIZE = 60  # the largest page Cognito's list operations accept


def table_definition(
    table_name: str, *, deployed: bool = False, deletion_protection: bool = False
) -> dict[str, Any]:
    """Keyword arguments for ``create_table``: one table, generic ``PK``/``SK`` string keys.

    A deployed table is also encrypted with the AWS managed KMS key (infra/template.yaml makes
    the same table for the CloudFormation path).
    """
    definition: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
            {"AttributeName": "activityId", "AttributeType": "S"},
            *SYNC_INDEX_ATTRIBUTES,
        ],
        "LocalSecondaryIndexes": [
            {
                "IndexName": ACTIVITY_ID_INDEX,
                "KeySchema": [
                    {"AttributeName": "PK", "KeyType": "HASH"},
                    {"AttributeName": "activityId", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "GlobalSecondaryIndexes": [SYNC_INDEX_DEFINITION],
        "BillingMode": "PAY_PER_REQUEST",
    }
    if deployed:
        definition["SSESpecification"] = {"Enabled": True, "SSEType": "KMS"}
    if deletion_protection:
        definition["DeletionProtectionEnabled"] = True
    return definition


def ensure_table(
    dynamodb_client: Any,
    table_name: str,
    *,
    deployed: bool = False,
    deletion_protection: bool = False,
) -> bool:
    """Create the table unless it exists, wait until it is ACTIVE, enable TTL (and, deployed,
    point-in-time recovery). True if created."""
    created = not _table_exists(dynamodb_client, table_name)
    if created:
        _create_table(
            dynamodb_client,
            table_definition(
                table_name, deployed=deployed, deletion_protection=deletion_protection
            ),
        )
    else:
        _check_indexes(dynamodb_client, table_name)
    dynamodb_client.get_waiter("table_exists").wait(TableName=table_name, WaiterConfig=_TABLE_WAIT)
    _ensure_ttl(dynamodb_client, table_name)
    if deployed:
        _ensure_point_in_time_recovery(dynamodb_client, table_name)
    return created


def _table_exists(dynamodb_client: Any, table_name: str) -> bool:
    try:
        dynamodb_client.describe_table(TableName=table_name)
    except ClientError as error:
        if _error_code(error) == "ResourceNotFoundException":
            return False
        raise
    return True


def _check_indexes(dynamodb_client: Any, table_name: str) -> None:
    table = dynamodb_client.describe_table(TableName=table_name)["Table"]
    present = {index["IndexName"] for index in table.get("LocalSecondaryIndexes", [])}
    if ACTIVITY_ID_INDEX not in present:
        raise RuntimeError(
            f"Table {table_name} predates the {ACTIVITY_ID_INDEX} index, which can only be made "
            "with the table. Locally: stop `make run`, delete dynamodb-data in the folder that "
            "`make stack-env` names, start again."
        )
    if SYNC_INDEX not in {index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])}:
        # A table made before sync: the index is added in place and fills in the background
        # (only items stamped since carry its keys, so it starts nearly empty).
        dynamodb_client.update_table(
            TableName=table_name,
            AttributeDefinitions=SYNC_INDEX_ATTRIBUTES,
            GlobalSecondaryIndexUpdates=[{"Create": SYNC_INDEX_DEFINITION}],
        )


def _create_table(dynamodb_client: Any, definition: dict[str, Any]) -> None:
    try:
        dynamodb_client.create_table(**definition)
    except ClientError as error:
        # Someone else created it between our describe and create: that is the state we wanted.
        if _error_code(error) != "ResourceInUseException":
            raise


def _ensure_ttl(dynamodb_client: Any, table_name: str) -> None:
    description = dynamodb_client.describe_time_to_live(TableName=table_name)
    ttl = description.get("TimeToLiveDescription", {})
    if ttl.get("AttributeName") == TTL_ATTRIBUTE and ttl.get("TimeToLiveStatus") in (
        "ENABLED",
        "ENABLING",
    ):
        return
    try:
        dynamodb_client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    except ClientError as error:
        # DynamoDB Local does not always report TTL through describe_time_to_live, but
        # refuses to enable it twice. Already enabled is exactly what we asked for.
        if "already enabled" not in str(error):
            raise


def _ensure_point_in_time_recovery(dynamodb_client: Any, table_name: str) -> None:
    # Enabling it again is a no-op, so this also repairs a table someone switched it off on.
    dynamodb_client.update_continuous_backups(
        TableName=table_name,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )


def user_pool_definition(pool_name: str, *, deletion_protection: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``create_user_pool``: email sign-in, strong passwords.

    MFA is switched on afterwards (see ``ensure_user_pool``): Cognito refuses
    ``MfaConfiguration="OPTIONAL"`` at creation time unless an SMS configuration is given.
    """
    definition: dict[str, Any] = {
        "PoolName": pool_name,
        "UsernameAttributes": ["email"],
        "AutoVerifiedAttributes": ["email"],
        "UsernameConfiguration": {"CaseSensitive": False},
        "Policies": {
            "PasswordPolicy": {
                "MinimumLength": 8,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
                "TemporaryPasswordValidityDays": 7,
            }
        },
        "AccountRecoverySetting": {
            "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
        },
        # Not "Required": Cognito can never relax a required attribute after the pool exists,
        # so the API validates names instead.
        "Schema": [
            _string_attribute("email", required=True),
            _string_attribute("given_name", required=False),
            _string_attribute("family_name", required=False),
        ],
        # A changed email stays unusable for sign-in until the new address is verified.
        "UserAttributeUpdateSettings": {"AttributesRequireVerificationBeforeUpdate": ["email"]},
        "MfaConfiguration": "OFF",
    }
    if deletion_protection:
        definition["DeletionProtection"] = "ACTIVE"
    return definition


def _string_attribute(name: str, *, required: bool) -> dict[str, Any]:
    return {
        "Name": name,
        "AttributeDataType": "String",
        "Mutable": True,
        "Required": required,
    }


def user_pool_client_definition(pool_id: str, client_name: str) -> dict[str, Any]:
    """Keyword arguments for ``create_user_pool_client``: a public (secret-less) web client."""
    return {
        "UserPoolId": pool_id,
        "ClientName": client_name,
        "GenerateSecret": False,
        "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        "PreventUserExistenceErrors": "ENABLED",
        "AccessTokenValidity": ACCESS_TOKEN_MINUTES,
        "IdTokenValidity": ID_TOKEN_MINUTES,
        "RefreshTokenValidity": REFRESH_TOKEN_DAYS,
        "TokenValidityUnits": {
            "AccessToken": "minutes",
            "IdToken": "minutes",
            "RefreshToken": "days",
        },
    }


def ensure_user_pool(
    cognito_client: Any, pool_name: str, client_name: str, *, deletion_protection: bool = False
) -> tuple[str, str]:
    """Find or create the user pool and its web client by name. Returns (pool_id, client_id)."""
    pool_id = _find_user_pool(cognito_client, pool_name)
    if pool_id is None:
        response = cognito_client.create_user_pool(
            **user_pool_definition(pool_name, deletion_protection=deletion_protection)
        )
        pool_id = response["UserPool"]["Id"]
    _enable_optional_totp_mfa(cognito_client, pool_id)

    client_id = _find_user_pool_client(cognito_client, pool_id, client_name)
    if client_id is None:
        response = cognito_client.create_user_pool_client(
            **user_pool_client_definition(pool_id, client_name)
        )
        client_id = response["UserPoolClient"]["ClientId"]
    return pool_id, client_id


def _find_user_pool(cognito_client: Any, pool_name: str) -> str | None:
    paginator = cognito_client.get_paginator("list_user_pools")
    for page in paginator.paginate(PaginationConfig={"PageSize": _PAGE_SIZE}):
        for pool in page["UserPools"]:
            if pool["Name"] == pool_name:
                return str(pool["Id"])
    return None


def _find_user_pool_client(cognito_client: Any, pool_id: str, client_name: str) -> str | None:
    paginator = cognito_client.get_paginator("list_user_pool_clients")
    for page in paginator.paginate(UserPoolId=pool_id, PaginationConfig={"PageSize": _PAGE_SIZE}):
        for client in page["UserPoolClients"]:
            if client["ClientName"] == client_name:
                return str(client["ClientId"])
    return None


def _enable_optional_totp_mfa(cognito_client: Any, pool_id: str) -> None:
    # Setting the same MFA configuration again is a no-op, so this also repairs drift.
    cognito_client.set_user_pool_mfa_config(
        UserPoolId=pool_id,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="OPTIONAL",
    )


# The account-deletion job (chalicelib/account/): its queue, and a dead-letter queue for a
# message whose run failed this many times (an operator looks at it; the job resumes when the
# message is moved back). A run takes at most the handler's timeout, so a message is hidden at
# least that long while it runs (AWS requires it; six times is AWS's advice for SQS handlers).
DELETION_HANDLER_TIMEOUT_SECONDS = 900
DELETION_MAX_RECEIVES = 5
DELETION_RETENTION_SECONDS = 14 * 24 * 3600  # SQS's longest: a stuck job stays visible


def deletion_queue_names(stage: str) -> tuple[str, str]:
    """(queue, dead-letter queue) of a stage."""
    name = f"ai-lifestyle-api-{stage}-account-deletion"
    return name, f"{name}-dlq"


def ensure_deletion_queue(sqs_client: Any, name: str, dead_letter_name: str) -> str:
    """Find or create the deletion queue and its dead-letter queue; returns the queue's URL."""
    dead_letter_url = sqs_client.create_queue(
        QueueName=dead_letter_name,
        Attributes={"MessageRetentionPeriod": str(DELETION_RETENTION_SECONDS)},
    )["QueueUrl"]
    dead_letter_arn = sqs_client.get_queue_attributes(
        QueueUrl=dead_letter_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": DELETION_MAX_RECEIVES}
    return str(
        sqs_client.create_queue(
            QueueName=name,
            Attributes={
                "VisibilityTimeout": str(6 * DELETION_HANDLER_TIMEOUT_SECONDS),
                "MessageRetentionPeriod": str(DELETION_RETENTION_SECONDS),
                "RedrivePolicy": json.dumps(redrive),
            },
        )["QueueUrl"]
    )


# The account-data bucket (chalicelib/core/storage.py): exports the job writes, uploads of
# imports. Private, encrypted, TLS only, and nothing in it lives long: an export's archive
# expires after 7 days, an uploaded import after 2, and a multipart upload a crashed run left
# unfinished is aborted after 1. infra/template.yaml makes the same bucket for CloudFormation
# (tests/deploy checks that both say the same).
EXPORT_EXPIRY_DAYS = 7
IMPORT_EXPIRY_DAYS = 2
ABORT_INCOMPLETE_UPLOAD_DAYS = 1


def data_bucket_name(stage: str, account: str | None = None) -> str:
    """The stage's bucket; deployed, the account id makes the (global) name unique."""
    name = f"ai-lifestyle-api-{stage}-account-data"
    return f"{name}-{account}" if account else name


def data_bucket_lifecycle() -> dict[str, Any]:
    def expire(rule_id: str, prefix: str, days: int) -> dict[str, Any]:
        return {
            "ID": rule_id,
            "Filter": {"Prefix": prefix},
            "Status": "Enabled",
            "Expiration": {"Days": days},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_INCOMPLETE_UPLOAD_DAYS},
        }

    return {
        "Rules": [
            expire("ExpireExports", "exports/", EXPORT_EXPIRY_DAYS),
            expire("ExpireImports", "imports/", IMPORT_EXPIRY_DAYS),
        ]
    }


def tls_only_policy(bucket_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def ensure_data_bucket(s3_client: Any, name: str, region: str, *, tls_only: bool = True) -> None:
    """Find or create the bucket, then (again, idempotently) its encryption, public access
    block, lifecycle and TLS-only policy. The local stack passes `tls_only=False`: moto
    serves plain HTTP, and a deny on insecure transport would refuse every local request."""
    try:
        options: dict[str, Any] = {"Bucket": name}
        if region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3_client.create_bucket(**options)
    except ClientError as error:
        if _error_code(error) not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
            raise
    s3_client.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3_client.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3_client.put_bucket_lifecycle_configuration(
        Bucket=name, LifecycleConfiguration=data_bucket_lifecycle()
    )
    if tls_only:
        s3_client.put_bucket_policy(
            Bucket=name, Policy=json.dumps(tls_only_policy(f"arn:aws:s3:::{name}"))
        )


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))

"""The packaged CloudFormation template of each stage keeps the promises of the deploy issue."""

import json
import re
from typing import Any

from scripts.bootstrap import client_name, user_pool_name
from scripts.chalice_config import ChaliceConfig
from scripts.package import REPO_ROOT
from scripts.resources import (
    ABORT_INCOMPLETE_UPLOAD_DAYS,
    EXPORT_EXPIRY_DAYS,
    IMPORT_EXPIRY_DAYS,
    TTL_ATTRIBUTE,
    table_definition,
    user_pool_client_definition,
    user_pool_definition,
)

PROTECTED_ROUTES = [
    ("/users/profile", "get"),
    ("/users/profile", "put"),
    ("/auth/mfa/setup", "post"),
    ("/auth/mfa/disable", "post"),
]
ACCESS_TOKEN_SCOPE = "aws.cognito.signin.user.admin"
POOL_ARN = {"Fn::GetAtt": ["UserPool", "Arn"]}


def _parameter(template: dict[str, Any], name: str) -> str:
    parameter = template["Parameters"][name]
    assert parameter["AllowedValues"] == [parameter["Default"]]
    return str(parameter["Default"])


def _swagger(resources: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = resources["RestAPI"]["Properties"]["DefinitionBody"]
    return body


def test_the_package_can_only_be_deployed_as_its_own_stage(template, stage):
    assert _parameter(template, "Stage") == stage
    assert template["Resources"]["RestAPI"]["Properties"]["StageName"] == stage


def test_the_authorizer_points_at_the_stacks_own_user_pool(resources):
    authorizer = _swagger(resources)["securityDefinitions"]["CognitoAuthorizer"]
    assert authorizer["x-amazon-apigateway-authorizer"] == {
        "type": "cognito_user_pools",
        "providerARNs": [POOL_ARN],
    }


def test_no_placeholder_pool_reaches_the_template(template):
    assert "placeholder" not in json.dumps(template)


def test_protected_routes_demand_an_access_token(resources):
    paths = _swagger(resources)["paths"]
    for path, method in PROTECTED_ROUTES:
        assert paths[path][method]["security"] == [{"CognitoAuthorizer": [ACCESS_TOKEN_SCOPE]}]
    # Every secured operation uses the one authorizer, with the access token's scope.
    for operations in paths.values():
        for operation in operations.values():
            for requirement in operation.get("security", []):
                assert requirement == {"CognitoAuthorizer": [ACCESS_TOKEN_SCOPE]}


def test_the_function_gets_the_stacks_ids_and_no_local_switches(resources, stage):
    function = resources["APIHandler"]["Properties"]
    env = function["Environment"]["Variables"]
    assert env["ENVIRONMENT"] == stage
    assert env["TABLE_NAME"] == {"Ref": "Table"}
    assert env["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert env["COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert env["COGNITO_USER_POOL_ARN"] == POOL_ARN
    assert "DEV_TOOLS_ENABLED" not in env
    assert "API_GATEWAY_AUTHORIZER" not in env
    # The MFA session key: the stack's own generated secret, never a value in the template.
    assert env["SESSION_TOKEN_SECRET_ID"] == {"Ref": "SessionTokenSecret"}
    assert "SESSION_TOKEN_SECRET" not in env
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "FunctionLogGroup"}}
    assert function["MemorySize"] >= 512
    assert function["Timeout"] <= 29  # API Gateway gives up after 29 seconds


def test_the_session_token_secret_is_generated_by_the_stack(resources):
    secret = resources["SessionTokenSecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    properties = secret["Properties"]
    assert properties["Name"] == {"Fn::Sub": "ai-lifestyle-api-${Stage}/session-token-secret"}
    assert properties["GenerateSecretString"]["PasswordLength"] >= 32
    assert "SecretString" not in properties


def test_cors_origins_are_named_and_prod_allows_only_the_web_app(resources, template, stage):
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    origins = env["CORS_ALLOW_ORIGIN"].split(",")
    assert "*" not in origins
    assert _parameter(template, "CorsOrigin") == origins[0]
    if stage == "prod":
        assert origins == ["https://app.ai-lifestyle.example"]


def test_the_table_is_the_one_the_code_expects(resources, stage):
    table = resources["Table"]
    expected = table_definition(f"ai-lifestyle-{stage}")
    properties = table["Properties"]
    assert properties["TableName"] == {"Fn::Sub": "ai-lifestyle-${Stage}"}
    assert properties["BillingMode"] == expected["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["KeySchema"] == expected["KeySchema"]
    assert properties["AttributeDefinitions"] == expected["AttributeDefinitions"]
    assert properties.get("LocalSecondaryIndexes", []) == expected.get("LocalSecondaryIndexes", [])
    assert properties.get("GlobalSecondaryIndexes", []) == expected.get(
        "GlobalSecondaryIndexes", []
    )
    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": TTL_ATTRIBUTE,
        "Enabled": True,
    }
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_the_table_has_point_in_time_recovery_and_encryption(resources):
    properties = resources["Table"]["Properties"]
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert properties["SSESpecification"] == {"SSEEnabled": True}


def _stage_setting(template: dict[str, Any], stage: str, value: Any) -> Any:
    """Resolve a !FindInMap [StageSettings, !Ref Stage, Key] for the packaged stage."""
    map_name, stage_ref, key = value["Fn::FindInMap"]
    assert stage_ref == {"Ref": "Stage"}
    return template["Mappings"][map_name][stage][key]


def test_deletion_protection_is_on_in_prod_only(template, resources, stage):
    table = resources["Table"]["Properties"]["DeletionProtectionEnabled"]
    pool = resources["UserPool"]["Properties"]["DeletionProtection"]
    prod = stage == "prod"
    assert _stage_setting(template, stage, table) == ("true" if prod else "false")
    assert _stage_setting(template, stage, pool) == ("ACTIVE" if prod else "INACTIVE")


def test_the_user_pool_matches_the_local_one(resources, stage):
    pool = resources["UserPool"]["Properties"]
    expected = user_pool_definition(user_pool_name(stage))
    assert pool["UserPoolName"] == {"Fn::Sub": "ai-lifestyle-${Stage}"}
    for key in (
        "UsernameAttributes",
        "AutoVerifiedAttributes",
        "UsernameConfiguration",
        "AccountRecoverySetting",
        "Schema",
        "UserAttributeUpdateSettings",
    ):
        assert pool[key] == expected[key], key
    assert pool["Policies"]["PasswordPolicy"] == expected["Policies"]["PasswordPolicy"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8


def test_totp_mfa_is_optional_and_sms_is_not_offered(resources):
    pool = resources["UserPool"]["Properties"]
    assert pool["MfaConfiguration"] == "OPTIONAL"
    assert pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]


def test_the_app_client_is_public_and_does_not_leak_which_users_exist(resources, stage):
    client = resources["UserPoolClient"]["Properties"]
    expected = user_pool_client_definition("pool", client_name(stage))
    assert client["UserPoolId"] == {"Ref": "UserPool"}
    assert client["ClientName"] == {"Fn::Sub": "ai-lifestyle-${Stage}-web"}
    assert client["GenerateSecret"] is False
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    for key in (
        "ExplicitAuthFlows",
        "AccessTokenValidity",
        "IdTokenValidity",
        "RefreshTokenValidity",
        "TokenValidityUnits",
    ):
        assert client[key] == expected[key], key


def _json_body(template_text: str) -> dict[str, Any]:
    """A gateway response body with API Gateway's variables replaced by sample values."""
    text = template_text.replace("$context.error.messageString", '"Unauthorized"')
    body: dict[str, Any] = json.loads(re.sub(r"\$context\.[A-Za-z.]+", "x", text))
    return body


def test_gateway_responses_carry_cors_headers_and_the_error_envelope(resources):
    responses = _swagger(resources)["x-amazon-apigateway-gateway-responses"]
    for kind in (
        "UNAUTHORIZED",
        "ACCESS_DENIED",
        "MISSING_AUTHENTICATION_TOKEN",
        "THROTTLED",
        "DEFAULT_4XX",
        "DEFAULT_5XX",
    ):
        response = responses[kind]
        headers = response["responseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == {
            "Fn::Sub": "'${CorsOrigin}'"
        }
        assert headers["gatewayresponse.header.X-Content-Type-Options"] == "'nosniff'"
        assert headers["gatewayresponse.header.Cache-Control"] == "'no-store'"
        body = _json_body(response["responseTemplates"]["application/json"])
        assert set(body) == {"error", "message", "request_id", "timestamp", "details"}
        assert re.fullmatch(r"[A-Z_]+", body["error"])
    assert responses["UNAUTHORIZED"]["statusCode"] == "401"
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["statusCode"] == "404"
    assert "gatewayresponse.header.Retry-After" in responses["THROTTLED"]["responseParameters"]


def test_access_logging_and_throttling_are_on(resources):
    api = resources["RestAPI"]["Properties"]
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    log_format = json.loads(api["AccessLogSetting"]["Format"])
    assert log_format["requestId"] == "$context.requestId"
    default = next(s for s in api["MethodSettings"] if s["ResourcePath"] == "/*")
    assert default["HttpMethod"] == "*"
    assert "ThrottlingRateLimit" in default
    assert "ThrottlingBurstLimit" in default
    login = next(s for s in api["MethodSettings"] if s["ResourcePath"] == "/~1auth~1login")
    assert login["HttpMethod"] == "POST"


def test_every_log_group_has_a_retention(resources):
    groups = {name: r for name, r in resources.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert set(groups) == {
        "FunctionLogGroup",
        "ApiAccessLogGroup",
        "EraserLogGroup",
        "ReminderLogGroup",
    }
    for group in groups.values():
        assert "RetentionInDays" in group["Properties"]


def test_the_stage_config_is_what_the_template_was_built_from(resources, stage):
    config_env = ChaliceConfig.load(REPO_ROOT).stage_environment(stage)
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    for key in ("ENVIRONMENT", "REGION", "LOG_LEVEL", "CORS_ALLOW_ORIGIN"):
        assert env[key] == config_env[key]
    assert config_env["TABLE_NAME"] == f"ai-lifestyle-{stage}"


def test_the_deletion_queue_has_a_dead_letter_queue_and_outlasts_the_eraser(resources, stage):
    queue = resources["DeletionQueue"]["Properties"]
    eraser = resources["EraseAccounts"]["Properties"]
    assert queue["QueueName"] == {"Fn::Sub": "ai-lifestyle-api-${Stage}-account-deletion"}
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["DeletionDeadLetterQueue", "Arn"]
    }
    # A run holds its message no longer than the queue hides it (AWS refuses the mapping else).
    assert queue["VisibilityTimeout"] >= eraser["Timeout"] == 900
    for name in ("DeletionQueue", "DeletionDeadLetterQueue"):
        assert resources[name]["Properties"]["SqsManagedSseEnabled"] is True
    [source] = eraser["Events"].values()
    assert source["Type"] == "SQS"
    assert source["Properties"]["Queue"] == {
        "Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"
        f"ai-lifestyle-api-{stage}-account-deletion"
    }
    assert source["Properties"]["BatchSize"] == 1
    assert eraser["Role"] == {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}
    assert eraser["LoggingConfig"] == {"LogGroup": {"Ref": "EraserLogGroup"}}
    assert eraser["Environment"]["Variables"]["TABLE_NAME"] == {"Ref": "Table"}


def test_the_account_jobs_function_has_room_for_the_largest_export(resources):
    """The account jobs (deletion, export, import) run on one function: a full vCPU (1,769
    MB) for the largest account's export, and /tmp for the files it spools."""
    jobs = resources["EraseAccounts"]["Properties"]
    assert jobs["MemorySize"] == 1769
    assert jobs["EphemeralStorage"] == {"Size": 2048}
    assert resources["APIHandler"]["Properties"]["MemorySize"] <= 1024


def test_the_final_sweep_waits_for_the_last_access_token(resources):
    """Account deletion's final sweep erases what a token issued before the request wrote:
    it must run after every such token has expired."""
    from chalicelib.core.config import DELETION_SWEEP_SECONDS

    client = resources["UserPoolClient"]["Properties"]
    assert client["TokenValidityUnits"]["AccessToken"] == "minutes"
    # ...and a margin for requests under way when the last token expires.
    assert client["AccessTokenValidity"] * 60 + 300 <= DELETION_SWEEP_SECONDS
    env = resources["EraseAccounts"]["Properties"]["Environment"]["Variables"]
    assert "ACCOUNT_DELETION_SWEEP_SECONDS" not in env  # the default, nowhere shortened


def test_the_account_data_bucket_is_private_encrypted_tls_only_and_short_lived(resources):
    bucket = resources["DataBucket"]
    assert bucket["Type"] == "AWS::S3::Bucket"
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    [encryption] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    rules = {rule["Prefix"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    assert rules["exports/"]["ExpirationInDays"] == EXPORT_EXPIRY_DAYS == 7
    assert rules["imports/"]["ExpirationInDays"] == IMPORT_EXPIRY_DAYS == 2
    for rule in rules.values():
        assert rule["Status"] == "Enabled"
        assert rule["AbortIncompleteMultipartUpload"] == {
            "DaysAfterInitiation": ABORT_INCOMPLETE_UPLOAD_DAYS
        }
    [statement] = resources["DataBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert resources["DataBucketPolicy"]["Properties"]["Bucket"] == {"Ref": "DataBucket"}


def test_the_reminder_schedule_runs_every_minute_with_the_shared_role(resources, stage):
    function = resources["SendReminders"]["Properties"]
    [event] = function["Events"].values()
    assert event == {"Type": "Schedule", "Properties": {"Schedule": "rate(1 minute)"}}
    assert function["Handler"] == "app.send_reminders"
    assert function["Role"] == {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "ReminderLogGroup"}}
    assert resources["ReminderLogGroup"]["Properties"]["LogGroupName"] == {
        "Fn::Sub": "/aws/lambda/ai-lifestyle-api-${Stage}-send_reminders"
    }
    env = function["Environment"]["Variables"]
    assert env["TABLE_NAME"] == {"Ref": "Table"}
    assert env["REMINDER_SENDER"] == {"Ref": "ReminderSender"}
    identity = resources["ReminderSenderIdentity"]
    assert identity["Type"] == "AWS::SES::EmailIdentity"
    assert identity["Properties"] == {"EmailIdentity": {"Ref": "ReminderSender"}}
    assert resources["SendReminders"]["DependsOn"] == "ReminderSenderIdentity"


def test_both_functions_are_given_the_stacks_bucket(resources):
    for function in ("APIHandler", "EraseAccounts"):
        env = resources[function]["Properties"]["Environment"]["Variables"]
        assert env["ACCOUNT_DATA_BUCKET"] == {"Ref": "DataBucket"}

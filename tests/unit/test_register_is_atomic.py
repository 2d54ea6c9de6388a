"""A registration that fails half-way leaves neither a Cognito user nor a profile (nor its email
index item) behind."""

import boto3
import pytest
from botocore.exceptions import ClientError

from chalicelib import wiring
from tests.helpers import new_user, post_json


def test_profile_write_failure_removes_the_cognito_user(client, aws, monkeypatch):
    repository = wiring.auth()._profiles

    def failing_create(profile):
        raise ClientError(
            {
                "Error": {"Code": "InternalServerError", "Message": "boom"},
                "ResponseMetadata": {"HTTPStatusCode": 500},
            },
            "PutItem",
        )

    monkeypatch.setattr(repository, "create", failing_create)
    response = post_json(client, "/auth/register", new_user())
    assert response.status_code == 503
    assert response.headers["Retry-After"]
    users = boto3.client("cognito-idp").list_users(UserPoolId=aws["pool_id"])["Users"]
    assert users == []
    assert boto3.client("dynamodb").scan(TableName=aws["table"])["Items"] == []


def test_after_a_failed_registration_the_email_can_register_again(client, aws, monkeypatch):
    repository = wiring.auth()._profiles
    with monkeypatch.context() as patch:
        patch.setattr(
            repository,
            "create",
            lambda profile: (_ for _ in ()).throw(
                ClientError(
                    {"Error": {"Code": "ValidationException", "Message": "boom"}}, "PutItem"
                )
            ),
        )
        assert post_json(client, "/auth/register", new_user()).status_code == 500
    assert post_json(client, "/auth/register", new_user()).status_code == 201


@pytest.mark.parametrize("status", [201])
def test_a_successful_registration_keeps_both(client, aws, status):
    assert post_json(client, "/auth/register", new_user()).status_code == status
    assert len(boto3.client("cognito-idp").list_users(UserPoolId=aws["pool_id"])["Users"]) == 1
    # The profile and its email index item (written in one transaction).
    items = boto3.client("dynamodb").scan(TableName=aws["table"])["Items"]
    assert sorted(item["SK"]["S"] for item in items) == ["PROFILE", "USER"]

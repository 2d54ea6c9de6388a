"""All DynamoDB access for user profiles: item `USER#{userId}` / `PROFILE`."""

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import dynamo
from chalicelib.core.aws import error_code

PROFILE_SK = "PROFILE"


class ProfileAlreadyExists(Exception):
    pass


def profile_key(user_id: str) -> dict[str, str]:
    return {"PK": dynamo.user_pk(user_id), "SK": PROFILE_SK}


class ProfileRepository:
    def create(self, profile: dict[str, Any]) -> None:
        item = {**profile_key(profile["userId"]), **profile}
        try:
            dynamo.client().put_item(
                TableName=dynamo.table_name(),
                Item=dynamo.serialize(item),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ProfileAlreadyExists(profile["userId"]) from exc
            raise

    def get(self, user_id: str) -> dict[str, Any] | None:
        # Strongly consistent (dynamo.get_item): a client reads its profile right after
        # changing it.
        return dynamo.get_item(profile_key(user_id))

    def update(self, user_id: str, update: dynamo.UpdateBuilder) -> dict[str, Any] | None:
        """Apply `update` to an existing profile; the new profile, or None when there is none."""
        try:
            result = dynamo.client().update_item(
                TableName=dynamo.table_name(),
                Key=dynamo.serialize(profile_key(user_id)),
                ConditionExpression="attribute_exists(PK)",
                ReturnValues="ALL_NEW",
                **update.params(),
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return dynamo.without_keys(dynamo.deserialize(result["Attributes"]))

"""All DynamoDB access for user profiles: item `USER#{userId}` / `PROFILE`."""

from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import dynamo
from chalicelib.core.aws import error_code

PROFILE_SK = "PROFILE"
# Stored on the item for MFA checks; never part of a profile response.
PRIVATE_ATTRIBUTES = frozenset({"PK", "SK", "mfaSecret", "mfaPendingSecret"})


class ProfileAlreadyExists(Exception):
    pass


def _key(user_id: str) -> dict[str, Any]:
    return dynamo.serialize({"PK": dynamo.user_pk(user_id), "SK": PROFILE_SK})


class ProfileRepository:
    def __init__(self, client: Any = None, table_name: str | None = None) -> None:
        self._client = client
        self._table_name = table_name

    @property
    def client(self) -> Any:
        return self._client or dynamo.client()

    @property
    def table(self) -> str:
        return self._table_name or dynamo.table_name()

    def create(self, profile: dict[str, Any]) -> None:
        item = {"PK": dynamo.user_pk(profile["userId"]), "SK": PROFILE_SK, **profile}
        try:
            self.client.put_item(
                TableName=self.table,
                Item=dynamo.serialize(item),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                raise ProfileAlreadyExists(profile["userId"]) from exc
            raise

    def get(self, user_id: str) -> dict[str, Any] | None:
        # Strongly consistent: a client reads its profile right after changing it.
        result = self.client.get_item(TableName=self.table, Key=_key(user_id),
                                      ConsistentRead=True)
        item = result.get("Item")
        return dynamo.deserialize(item) if item else None

    def update(self, user_id: str, update: dynamo.UpdateBuilder) -> dict[str, Any] | None:
        """Apply `update` to an existing profile; the new profile, or None when there is none."""
        try:
            result = self.client.update_item(
                TableName=self.table,
                Key=_key(user_id),
                ConditionExpression="attribute_exists(PK)",
                ReturnValues="ALL_NEW",
                **update.params(),
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return dynamo.deserialize(result["Attributes"])

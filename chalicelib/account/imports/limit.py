"""How many imports a user may start: `IMPORT_LIMIT` per fixed UTC day, counted in one item
per user and day, `USER#{id}` / `IMPORTS#{day start}`, that TTL removes later. One
conditional UpdateItem counts, as users/lookup_limit.py does: concurrent requests never spend
more than the limit, and a refused one writes nothing."""

from collections.abc import Callable
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from chalicelib.core import dynamo, errors
from chalicelib.core.aws import error_code
from chalicelib.core.clock import to_iso, utc_now

IMPORT_LIMIT = 10
WINDOW_SECONDS = 24 * 3600


def window_key(user_id: str, window_start: int) -> dict[str, str]:
    start = to_iso(datetime.fromtimestamp(window_start, UTC))
    return {"PK": dynamo.user_pk(user_id), "SK": f"IMPORTS#{start}"}


class ImportLimit:
    def __init__(self, now: Callable[[], datetime] = utc_now) -> None:
        self._now = now

    def spend(self, user_id: str) -> None:
        """Count one import, or raise 429 (Retry-After: the seconds left in the day)."""
        epoch = int(self._now().timestamp())
        start = epoch - epoch % WINDOW_SECONDS
        end = start + WINDOW_SECONDS
        try:
            dynamo.client().update_item(
                TableName=dynamo.table_name(),
                Key=dynamo.serialize(window_key(user_id, start)),
                UpdateExpression="ADD #count :one SET #expires = :expires",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "imports", "#expires": "expiresAt"},
                ExpressionAttributeValues=dynamo.serialize(
                    {":one": 1, ":limit": IMPORT_LIMIT, ":expires": end + WINDOW_SECONDS}
                ),
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            wait = max(1, end - epoch)
            raise errors.TooManyRequests(
                f"At most {IMPORT_LIMIT} imports can be made per day; try again in {wait} seconds.",
                retry_after=wait,
            ) from exc

"""How many people a user may look up: `LOOKUP_LIMIT` lookups (by email and by id together)
per fixed hour, counted in one item per caller and hour, `USER#{caller}` /
`LOOKUPS#{hour start}`, that DynamoDB's TTL removes later (`expiresAt`).

Counting is one conditional UpdateItem: it adds one while the count is under the limit, and
fails otherwise, so concurrent lookups can never spend more than the limit, and a refused
lookup writes nothing.
"""

from collections.abc import Callable
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from chalicelib.core import dynamo, errors
from chalicelib.core.aws import error_code
from chalicelib.core.clock import to_iso, utc_now

LOOKUP_LIMIT = 60
WINDOW_SECONDS = 3600
# The count of an hour is never read after it; TTL may remove it any time after this margin.
_KEPT_AFTER_WINDOW_SECONDS = 3600


def lookup_window_key(user_id: str, window_start: int) -> dict[str, str]:
    start = to_iso(datetime.fromtimestamp(window_start, UTC))
    return {"PK": dynamo.user_pk(user_id), "SK": f"LOOKUPS#{start}"}


class LookupLimit:
    def __init__(self, now: Callable[[], datetime] = utc_now) -> None:
        self._now = now

    def spend(self, user_id: str) -> None:
        """Count one lookup of `user_id`'s, or raise 429 (with Retry-After: the seconds left
        in the hour) when the hour's lookups are spent."""
        epoch = int(self._now().timestamp())
        start = epoch - epoch % WINDOW_SECONDS
        end = start + WINDOW_SECONDS
        try:
            dynamo.client().update_item(
                TableName=dynamo.table_name(),
                Key=dynamo.serialize(lookup_window_key(user_id, start)),
                UpdateExpression="ADD #count :one SET #expires = :expires",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "lookups", "#expires": "expiresAt"},
                ExpressionAttributeValues=dynamo.serialize(
                    {
                        ":one": 1,
                        ":limit": LOOKUP_LIMIT,
                        ":expires": end + _KEPT_AFTER_WINDOW_SECONDS,
                    }
                ),
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            wait = max(1, end - epoch)
            raise errors.TooManyRequests(
                f"At most {LOOKUP_LIMIT} people can be looked up per hour; "
                f"try again in {wait} seconds.",
                retry_after=wait,
            ) from exc

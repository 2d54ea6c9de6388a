"""Fixed-window limits per user: at most `limit` actions of one kind in each window (an hour,
a UTC day), counted in one item per user and window, `USER#{id}` / `{KIND}#{window start}`,
that DynamoDB's TTL removes once the window is over (`expiresAt`).

Counting is one conditional UpdateItem: it adds one while the count is under the limit and
fails otherwise, so concurrent requests never spend more than the limit, and a refused one
writes nothing. Used by lookups (users/lookup_limit.py) and imports (account/imports/).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.exceptions import ClientError

from chalicelib.core import dynamo, errors
from chalicelib.core.aws import error_code
from chalicelib.core.clock import to_iso, utc_now


@dataclass(frozen=True)
class FixedWindow:
    kind: str  # the count item's sort key prefix: "LOOKUPS"
    counter: str  # the count's attribute in that item: "lookups"
    limit: int
    window_seconds: int
    refusal: str  # what a refused request is told, before "; try again in N seconds."


class FixedWindowLimit:
    def __init__(self, window: FixedWindow, now: Callable[[], datetime] = utc_now) -> None:
        self._window = window
        self._now = now

    def window_key(self, user_id: str, window_start: int) -> dict[str, str]:
        start = to_iso(datetime.fromtimestamp(window_start, UTC))
        return {"PK": dynamo.user_pk(user_id), "SK": f"{self._window.kind}#{start}"}

    def spend(self, user_id: str) -> None:
        """Count one action of `user_id`'s, or raise 429 (with Retry-After: the seconds left
        in the window) when the window's actions are spent."""
        window = self._window
        epoch = int(self._now().timestamp())
        start = epoch - epoch % window.window_seconds
        end = start + window.window_seconds
        try:
            dynamo.client().update_item(
                TableName=dynamo.table_name(),
                Key=dynamo.serialize(self.window_key(user_id, start)),
                UpdateExpression="ADD #count :one SET #expires = :expires",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": window.counter, "#expires": "expiresAt"},
                ExpressionAttributeValues=dynamo.serialize(
                    # A window's count is never read after it; TTL may remove it a window later.
                    {":one": 1, ":limit": window.limit, ":expires": end + window.window_seconds}
                ),
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            wait = max(1, end - epoch)
            raise errors.TooManyRequests(
                f"{window.refusal}; try again in {wait} seconds.", retry_after=wait
            ) from exc

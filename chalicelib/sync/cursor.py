"""The `GET /sync` cursor: opaque to clients, two positions in the caller's change feed
(core/changes.py) to us.

- `settled`: every change stamped at or before it has been returned (in that state or a
  later one). The next sync starts here, so it re-reads what a slower writer might still have
  committed behind the newest change returned.
- `read`: where the next page starts, while a sync pages through (`hasMore`).
- `issued`: when it was handed out. Its age, not its positions, says whether the deletions
  it may still need are kept: a device needs the tombstone of an item it holds, deleted after
  it received it, so after the sync that handed out the cursor; a full sync of an old account
  starts from changes far older than the tombstones' lifetime and loses nothing by that.

A page read from `settled` itself moves `settled` on to the older of its last change and the
settle horizon (now - SETTLE_MS): changes stamped before the horizon have committed, so the
page saw all of them. A page that started past `settled` cannot vouch for the gap behind it,
so `settled` waits for the next sync. The last page hands out `read = settled`: the next sync
reads again from there, and a client may see a change it already has (apply by id: the
feed holds each item's current state).
"""

import base64
import binascii
import json
from dataclasses import dataclass

from chalicelib.core.changes import SETTLE_MS, parse_sequence
from chalicelib.core.errors import FieldError, ValidationFailed

_VERSION = 1


@dataclass(frozen=True)
class Cursor:
    settled: str = ""  # "" is the start of the feed
    read: str = ""
    issued: int = 0  # epoch milliseconds; 0 for the start, which never expires

    @property
    def is_start(self) -> bool:
        return not (self.settled or self.read)


START = Cursor()


def horizon(now_ms: int) -> str:
    """The position before which every stamped write has committed (and sorts before every
    stamp of the millisecond after it)."""
    return f"{max(now_ms - SETTLE_MS, 0):013d}"


def advance(cursor: Cursor, last: str | None, more: bool, now_ms: int) -> Cursor:
    """The cursor after a page read from `cursor.read` at `now_ms`: `last` is the position of
    its last change (None for an empty page), `more` whether the feed goes on after it."""
    settled = cursor.settled
    if cursor.read == cursor.settled:
        reach = horizon(now_ms) if not more or last is None else min(last, horizon(now_ms))
        settled = max(settled, reach)
    if not more:
        return Cursor(settled=settled, read=settled, issued=now_ms)
    return Cursor(settled=settled, read=max(last or cursor.read, cursor.read), issued=now_ms)


def encode(cursor: Cursor) -> str:
    body = json.dumps(
        {"v": _VERSION, "s": cursor.settled, "r": cursor.read, "t": cursor.issued},
        separators=(",", ":"),
    )
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode(value: str | None) -> Cursor:
    """The cursor a client sent as `since` (none: the start); 400 for anything we did not
    hand out."""
    if value is None or value == "":
        return START
    try:
        padded = value + "=" * (-len(value) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(body, dict) or body.get("v") != _VERSION:
            raise ValueError("unknown cursor version")
        issued = body.get("t")
        if type(issued) is not int or issued < 0:
            raise ValueError("no time of issue")
        cursor = Cursor(
            settled=_position(body.get("s")), read=_position(body.get("r")), issued=issued
        )
        if cursor.read < cursor.settled or cursor.is_start:
            raise ValueError("read before settled, or no position")
        return cursor
    except (ValueError, UnicodeError, binascii.Error, TypeError) as exc:
        raise ValidationFailed(
            [FieldError("since", "Not a cursor this API handed out: send a `nextCursor` as is.")]
        ) from exc


def _position(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("position is not text")
    if value == "":
        return value
    if len(value) == 13 and value.isdigit():
        return value  # a horizon
    parse_sequence(value)
    return value

"""The sync cursor (chalicelib/sync/cursor.py): opaque round trips, refusals, and that no
change is lost when writes commit out of stamp order within the settle window."""

import random

import pytest

from chalicelib.core.changes import SETTLE_MS, sequence
from chalicelib.core.errors import ValidationFailed
from chalicelib.sync import cursor as cursors
from chalicelib.sync.cursor import Cursor


def test_a_cursor_survives_the_round_trip():
    cursor = Cursor(
        settled="1764627802118", read=sequence("goal", "g1", 1764627802200), issued=1764627862200
    )
    assert cursors.decode(cursors.encode(cursor)) == cursor
    assert cursors.decode(None) == cursors.decode("") == cursors.START


@pytest.mark.parametrize(
    "value",
    [
        "not base64!",
        "eyJ2IjoyfQ",  # {"v":2}
        cursors.encode(Cursor(settled="abc", read="abc")),
        cursors.encode(Cursor(settled="1764627802118", read="1")),  # read before settled
        cursors.encode(Cursor(settled="1764627802118", read="1764627802118#spy#x")),
        cursors.encode(Cursor(issued=5)),  # no position: the start is sent as no cursor
        "eyJ2IjoxLCJzIjoiMSIsInIiOiIxIn0",  # no time of issue
        "W10",  # []
    ],
)
def test_anything_not_handed_out_is_400_on_since(value):
    with pytest.raises(ValidationFailed) as raised:
        cursors.decode(value)
    assert raised.value.errors[0]["field"] == "since"


def test_a_page_from_the_settled_position_settles_up_to_the_horizon():
    now = 10_000_000
    old = sequence("goal", "g", now - 5 * SETTLE_MS)
    young = sequence("goal", "g", now - 1)
    # An old backlog: settled follows the page.
    assert cursors.advance(Cursor(), old, True, now) == Cursor(old, old, now)
    # Young changes: settled stops at the horizon, reading goes on.
    assert cursors.advance(Cursor(), young, True, now) == Cursor(cursors.horizon(now), young, now)
    # The last page: the next sync starts again from settled.
    assert cursors.advance(Cursor(), young, False, now) == Cursor(
        cursors.horizon(now), cursors.horizon(now), now
    )


def test_a_page_past_the_settled_position_leaves_it():
    now = 10_000_000
    start = Cursor(settled="0000000000100", read=sequence("goal", "a", now - 10), issued=now - 9)
    last = sequence("goal", "b", now - 5)
    assert cursors.advance(start, last, True, now) == Cursor(start.settled, last, now)
    assert cursors.advance(start, last, False, now) == Cursor(start.settled, start.settled, now)


def _simulate(seed: int) -> None:
    """Writers stamp at t and commit at some time before t + SETTLE_MS, out of order; a
    device syncs at random moments in small pages. Once every write has committed and the
    device syncs again, it holds exactly what the server holds."""
    rng = random.Random(seed)
    writes = []  # (stamp time, commit time, item id, value)
    for n in range(300):
        stamp_at = rng.randrange(0, 20 * SETTLE_MS)
        writes.append(
            (stamp_at, stamp_at + rng.randrange(0, SETTLE_MS), f"i{rng.randrange(40)}", n)
        )

    def feed(now: int) -> dict[str, tuple[str, int]]:
        """The index as of `now`: each item at its newest committed write."""
        committed = sorted((w for w in writes if w[1] <= now), key=lambda w: w[1])
        state: dict[str, tuple[str, int]] = {}
        for stamp_at, _, item_id, value in committed:
            state[item_id] = (sequence("goal", item_id, stamp_at), value)
        return state

    device: dict[str, int] = {}
    cursor = cursors.START
    sync_times = sorted(rng.randrange(0, 22 * SETTLE_MS) for _ in range(60))
    for now in [*sync_times, 30 * SETTLE_MS]:
        while True:
            entries = sorted(
                (seq, item_id, value)
                for item_id, (seq, value) in feed(now).items()
                if seq > cursor.read
            )
            limit = rng.randrange(1, 6)
            page, more = entries[:limit], len(entries) > limit
            for _, item_id, value in page:
                device[item_id] = value
            cursor = cursors.advance(cursor, page[-1][0] if page else None, more, now)
            cursor = cursors.decode(cursors.encode(cursor))
            if not more:
                break
    assert device == {item_id: value for item_id, (_, value) in feed(30 * SETTLE_MS).items()}


@pytest.mark.parametrize("seed", range(25))
def test_late_commits_are_never_lost(seed):
    _simulate(seed)

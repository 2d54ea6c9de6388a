"""A share's id names its entry and recipient; its liveness and staleness rules (shares.py)."""

import uuid
from datetime import UTC, datetime

import pytest

from chalicelib.journal.shares import (
    Share,
    canonical_uuid,
    content_key_digest,
    decode_share_id,
    new_share_id,
    share_item,
    share_of,
)

ENTRY, RECIPIENT = str(uuid.uuid4()), str(uuid.uuid4())


def _share(**changes: object) -> Share:
    fields: dict = {
        "share_id": new_share_id(ENTRY, RECIPIENT),
        "owner_id": str(uuid.uuid4()),
        "owner_email": "ada@example.com",
        "entry_id": ENTRY,
        "recipient_id": RECIPIENT,
        "encrypted_key": "a2V5",
        "is_encrypted": True,
        "permissions": ("read",),
        "created_at": "2026-12-01T10:00:00.000Z",
        "expiry": "2026-12-02T10:00:00.000Z",
        "owner_key_set_id": "owner-set",
        "recipient_key_set_id": "recipient-set",
        "content_key_digest": content_key_digest("b3duZXI="),
    }
    return Share(**(fields | changes))


def test_a_share_id_names_its_entry_and_recipient_with_a_fresh_nonce():
    first, second = new_share_id(ENTRY, RECIPIENT), new_share_id(ENTRY, RECIPIENT)
    assert first != second
    named = decode_share_id(first)
    assert named is not None
    assert (named.entry_id, named.recipient_id) == (ENTRY, RECIPIENT)
    assert str(named) == first


@pytest.mark.parametrize(
    "odd",
    ["", "share_", "share_" + "0" * 79, "share_" + "0" * 81, "SHARE_" + "0" * 80, "x" * 86],
)
def test_anything_else_names_no_share(odd):
    assert decode_share_id(odd) is None
    assert decode_share_id(new_share_id(ENTRY, RECIPIENT).upper()) is None


def test_only_canonical_uuids_are_user_ids():
    assert canonical_uuid(RECIPIENT) == RECIPIENT
    assert canonical_uuid(RECIPIENT.upper()) == RECIPIENT
    for odd in ("", "abc", RECIPIENT.replace("-", ""), "{" + RECIPIENT + "}", RECIPIENT + "#"):
        assert canonical_uuid(odd) is None


def test_a_share_holds_while_both_key_sets_are_those_it_recorded():
    share = _share()
    assert share.keys_still_hold("owner-set", "recipient-set")
    assert not share.keys_still_hold("owner-set", "new-set")  # the recipient set up again
    assert not share.keys_still_hold(None, "recipient-set")  # the owner deleted their keys
    grandfathered = _share(owner_key_set_id=None, recipient_key_set_id=None)
    assert grandfathered.keys_still_hold(None, None)


def test_expiry_and_staleness():
    share = _share()
    assert not share.is_expired(datetime(2026, 12, 2, 9, 59, tzinfo=UTC))
    assert share.is_expired(datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
    assert not _share(expiry=None).is_expired(datetime(9999, 1, 1, tzinfo=UTC))
    assert not share.is_stale_for("b3duZXI=")
    assert share.is_stale_for("bmV3")  # the owner saved: a new content key


def test_items_round_trip_and_never_store_the_ttl_name():
    share = _share(access_count=3, accessed_at="2026-12-01T11:00:00.000Z")
    item = share_item(share)
    assert "expiresAt" not in item  # the table's TTL attribute would delete the share
    assert share_of(item) == share
    assert share_of({**item, "permissions": ["read", "write"]}).permissions == ("read",)
    for broken in ({**item, "createdAt": "yesterday"}, {**item, "expiry": "soon"}):
        with pytest.raises(ValueError, match="isoformat"):
            share_of(broken)
    with pytest.raises(KeyError):
        share_of({"shareId": "x"})

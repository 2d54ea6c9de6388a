"""Share rules: create, list and revoke shares of journal entries (the items: shares.py).

Each write is one unit of work: one read of what it needs, then one transaction that writes
the share (or deletes it), the recipient's pointer and the entry's `sharedWith` and version.
Whether a share still grants anything is `resolve.py`'s, for every reader alike.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib.core import errors
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.dynamo import Transaction
from chalicelib.core.errors import FieldError, ValidationFailed
from chalicelib.core.ids import could_be_issued
from chalicelib.core.unit_of_work import run_write
from chalicelib.journal import resolve
from chalicelib.journal.entry import entry_not_found
from chalicelib.journal.models import EmailShareCreate, ShareCreate, ShareTerms
from chalicelib.journal.share_presenter import present_created, present_share
from chalicelib.journal.share_repository import ShareRepository, share_not_found
from chalicelib.journal.shares import (
    MAX_RECIPIENTS,
    Share,
    content_key_digest,
    decode_share_id,
    new_share_id,
)
from chalicelib.users.email_index import user_id_for_email

# The contract's names, and the synonyms the older contract used (created = sent, all = both).
DIRECTIONS = {
    "sent": "sent",
    "created": "sent",
    "received": "received",
    "both": "both",
    "all": "both",
}
ITEM_TYPES = ("journal", "goal")


def _recipient_not_ready() -> errors.AppError:
    # The same answer whether the account is missing or has no keys: a share reveals nothing
    # the user lookup does not.
    return errors.BusinessRuleViolation(
        "The recipient cannot receive shares: they have not set up encryption.",
        code="RECIPIENT_NOT_READY",
    )


@dataclass(frozen=True)
class _Request:
    recipient_id: str
    entry_id: str
    encrypted_key: str | None
    permissions: tuple[str, ...]
    expires_in_hours: int | None


class ShareService:
    def __init__(
        self,
        shares: ShareRepository,
        now: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], None] = time.sleep,
        find_user: Callable[[str], str | None] = user_id_for_email,
    ) -> None:
        self._shares = shares
        self._now = now
        self._sleep = sleep
        self._find_user = find_user

    def create(self, owner_id: str, request: ShareCreate) -> dict[str, Any]:
        return self._share(
            owner_id,
            _Request(
                recipient_id=request.recipient_id,
                entry_id=request.item_id,
                encrypted_key=request.encrypted_key,
                **_terms(request),
            ),
        )

    def share_by_email(
        self, owner_id: str, entry_id: str, request: EmailShareCreate
    ) -> dict[str, Any]:
        """The client's own route: the server has no content key to wrap, so only entries
        that are not encrypted can be shared this way (checked first, as the client's entry
        decides it); then as a share by id, with the same 422 for an address with no account
        as for one without keys, so it tells no more than the user lookup."""
        self.check_entry_id(entry_id)
        recipient_id = self._find_user(request.recipient_email)
        if recipient_id is None:
            entry = self._shares.load_for_share(owner_id, entry_id, owner_id).entry
            if entry is None:
                raise entry_not_found()
            _check_key(entry.is_encrypted, None, by_email=True)
            raise _recipient_not_ready()
        return self._share(
            owner_id,
            _Request(recipient_id, entry_id, None, **_terms(request)),
            by_email=True,
        )

    def check_entry_id(self, entry_id: str) -> None:
        """An id the API never made names no entry: 404 (before the body is read)."""
        if not could_be_issued(entry_id):
            raise entry_not_found()

    def _share(
        self,
        owner_id: str,
        request: _Request,
        *,
        by_email: bool = False,
    ) -> dict[str, Any]:
        if not could_be_issued(request.entry_id):
            raise entry_not_found()
        if request.recipient_id == owner_id:
            raise ValidationFailed([FieldError("recipientId", "cannot be yourself")])

        def attempt(tx: Transaction) -> Share:
            context = self._shares.load_for_share(owner_id, request.entry_id, request.recipient_id)
            entry = context.entry
            if entry is None:
                raise entry_not_found()
            _check_key(entry.is_encrypted, request.encrypted_key, by_email=by_email)
            if context.recipient_key_set is None:
                raise _recipient_not_ready()
            recipients = set(entry.shared_with) | {request.recipient_id}
            if len(recipients) > MAX_RECIPIENTS:
                raise errors.BusinessRuleViolation(
                    f"An entry can be shared with at most {MAX_RECIPIENTS} people; revoke a "
                    "share first.",
                    code="TOO_MANY_RECIPIENTS",
                    details={"limit": MAX_RECIPIENTS},
                )
            now = self._now()
            hours = request.expires_in_hours
            share = Share(
                share_id=new_share_id(entry.entry_id, request.recipient_id),
                owner_id=owner_id,
                owner_email=context.owner_email,
                entry_id=entry.entry_id,
                recipient_id=request.recipient_id,
                encrypted_key=request.encrypted_key,
                is_encrypted=entry.is_encrypted,
                permissions=request.permissions,
                created_at=to_iso(now),
                expiry=None if hours is None else to_iso(now + timedelta(hours=hours)),
                owner_key_set_id=context.owner_key_set,
                recipient_key_set_id=context.recipient_key_set,
                content_key_digest=content_key_digest(entry.encrypted_key),
            )
            self._shares.put_share(tx, share, entry)
            return share

        return present_created(run_write(attempt, sleep=self._sleep))

    def revoke(self, caller_id: str, share_id: str) -> None:
        """The owner revokes, or the recipient removes a share addressed to them."""
        named = decode_share_id(share_id)
        if named is None:
            raise share_not_found()
        owner_id = caller_id
        if named.recipient_id == caller_id:
            # The recipient's pointer names the owner (a hint: the share item decides).
            pointer = self._shares.pointer(caller_id, named.entry_id)
            found = pointer.get("ownerId") if pointer else None
            if not pointer or pointer.get("shareId") != share_id or not isinstance(found, str):
                raise share_not_found()
            owner_id = found

        def attempt(tx: Transaction) -> None:
            item, entry = self._shares.load_for_revoke(owner_id, named.entry_id, named.recipient_id)
            if item is None or item.get("shareId") != share_id:
                raise share_not_found()
            self._shares.delete_share(
                tx, share_id, owner_id, named.entry_id, named.recipient_id, entry
            )

        run_write(attempt, sleep=self._sleep)

    def list_shares(
        self,
        caller_id: str,
        *,
        item_type: str | None,
        direction: str | None,
        include_expired: str | None,
        item_id: str | None,
    ) -> dict[str, Any]:
        problems = []
        if item_type is not None and item_type not in ITEM_TYPES:
            problems.append(FieldError("itemType", "must be one of " + ", ".join(ITEM_TYPES)))
        chosen = DIRECTIONS.get(direction or "both")
        if chosen is None:
            problems.append(
                FieldError("direction", "must be one of " + ", ".join(sorted(DIRECTIONS)))
            )
        if problems:
            raise ValidationFailed(problems)
        if item_type == "goal":
            return {"shares": [], "count": 0}  # goals cannot be shared
        now = self._now()
        found: list[tuple[resolve.Resolved, str]] = []
        if chosen in {"sent", "both"}:
            found += [(shown, "sent") for shown in resolve.sent(self._shares, caller_id)]
        if chosen in {"received", "both"}:
            found += [(shown, "received") for shown in resolve.received(self._shares, caller_id)]
        keep_expired = include_expired == "true"
        listed = [
            present_share(shown.share, direction=kind, now=now, stale=shown.stale)
            for shown, kind in found
            if (keep_expired or not shown.share.is_expired(now))
            and (item_id is None or shown.share.entry_id == item_id)
        ]
        listed.sort(key=lambda share: share["createdAt"], reverse=True)
        return {"shares": listed, "count": len(listed)}


def _terms(request: ShareTerms) -> dict[str, Any]:
    return {
        "permissions": tuple(request.permissions),
        "expires_in_hours": request.expires_in_hours,
    }


def _check_key(is_encrypted: bool, encrypted_key: str | None, *, by_email: bool) -> None:
    if is_encrypted and by_email:
        raise errors.BadRequest(
            "An encrypted entry is shared from the browser, which wraps its key for the "
            "recipient: use POST /shares.",
            code="ENCRYPTED_ENTRY",
        )
    if is_encrypted and encrypted_key is None:
        raise ValidationFailed(
            [FieldError("encryptedKey", "is required: the entry's key wrapped for the recipient")]
        )
    if not is_encrypted and encrypted_key is not None:
        raise ValidationFailed(
            [FieldError("encryptedKey", "must be absent or null: the entry is not encrypted")]
        )

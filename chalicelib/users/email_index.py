"""Which account an email address belongs to: one item per account, `EMAIL#{address}` / `USER`
holding its `userId`, the address normalised (trimmed, lower-cased) as registration stores it.
It is written with the profile at registration (and backfilled for older accounts by
scripts/migrate_sharing.py), so finding a person to share with is one consistent GetItem, never a
scan or a prefix search, and mixed-case addresses are found.

Nothing outside the user lookup (users/directory.py) reveals what this index holds."""

from typing import Any

from chalicelib.core import dynamo

EMAIL_INDEX_SK = "USER"


def email_key(normalised_email: str) -> dict[str, str]:
    return {"PK": f"EMAIL#{normalised_email}", "SK": EMAIL_INDEX_SK}


def email_item(normalised_email: str, user_id: str) -> dict[str, Any]:
    return {**email_key(normalised_email), "userId": user_id, "email": normalised_email}


def user_id_for_email(normalised_email: str) -> str | None:
    """The account of an address (already normalised), or None when there is none."""
    item = dynamo.get_item(email_key(normalised_email))
    user_id = item.get("userId") if item else None
    return user_id if isinstance(user_id, str) else None

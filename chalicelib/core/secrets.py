"""Server-side secrets, read once per process on first use.

One stored secret keys everything the server signs or derives: it comes from
SESSION_TOKEN_SECRET where the environment may hold it (the local stack makes a new one per
run; tests set one), and deployed from the Secrets Manager secret SESSION_TOKEN_SECRET_ID
names: the stack generates it, and the function's role may read that one secret only. It
never appears in a stage's configuration or a log. Each use derives its own key from it under
a label of its own, so no two uses ever share a key: the MFA session tokens
(users/mfa_session.py) and the pseudonymous ids of the user lookup (users/directory.py).
"""

import hashlib
from functools import lru_cache
from typing import Any

from chalicelib.core import errors
from chalicelib.core.config import get_settings

# Shorter secrets are refused rather than used: the MAC is only as strong as its key.
MIN_SECRET_LENGTH = 32


@lru_cache(maxsize=1)
def secrets_client(region: str) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=3
    )
    return boto3.client("secretsmanager", region_name=region, config=config)


@lru_cache(maxsize=1)
def _stored_secret() -> str:
    settings = get_settings()
    secret = settings.session_token_secret
    if not secret and settings.session_token_secret_id:
        answer = secrets_client(settings.region).get_secret_value(
            SecretId=settings.session_token_secret_id
        )
        secret = str(answer.get("SecretString") or "")
    return secret


def _derived(label: bytes, unconfigured: str) -> bytes:
    secret = _stored_secret()
    if len(secret) < MIN_SECRET_LENGTH:
        raise errors.AppError(unconfigured)
    return hashlib.sha256(label + b"\x00" + secret.encode()).digest()


@lru_cache(maxsize=1)
def session_token_key() -> bytes:
    """The HMAC key for MFA session tokens. Raises AppError (500) when none is configured."""
    return _derived(b"ai-lifestyle/mfa-session-token", "MFA sign-in is not configured.")


@lru_cache(maxsize=1)
def lookup_pseudonym_key() -> bytes:
    """The HMAC key that turns an address with no account into a stable pseudonymous user id.
    Raises AppError (500) when none is configured."""
    return _derived(b"ai-lifestyle/user-lookup-pseudonym", "User lookup is not configured.")

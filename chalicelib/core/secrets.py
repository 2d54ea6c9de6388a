"""Server-side secrets, read once per process on first use.

The MFA session key comes from SESSION_TOKEN_SECRET where the environment may hold it (the
local stack makes a new one per run; tests set one), and deployed from the Secrets Manager
secret SESSION_TOKEN_SECRET_ID names: the stack generates it, and the function's role may
read that one secret only. It never appears in a stage's configuration or a log.
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
def session_token_key() -> bytes:
    """The HMAC key for MFA session tokens. Raises AppError (500) when none is configured."""
    settings = get_settings()
    secret = settings.session_token_secret
    if not secret and settings.session_token_secret_id:
        answer = secrets_client(settings.region).get_secret_value(
            SecretId=settings.session_token_secret_id
        )
        secret = str(answer.get("SecretString") or "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise errors.AppError("MFA sign-in is not configured.")
    # Derived, so the stored secret could one day key other things without sharing a key.
    return hashlib.sha256(b"ai-lifestyle/mfa-session-token\x00" + secret.encode()).digest()

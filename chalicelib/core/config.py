"""Settings, read from the environment when first needed (never at import time).

Chalice's test client applies a stage's environment variables only while a request runs, and
`chalice local` applies them before importing the app, so reading lazily works everywhere.
"""

import os
from dataclasses import dataclass, field
from functools import lru_cache

# How long after a deletion request its final sweep runs (Settings.deletion_sweep_seconds).
DELETION_SWEEP_SECONDS = 3900


@dataclass(frozen=True)
class Settings:
    environment: str
    table_name: str
    region: str
    user_pool_id: str
    client_id: str
    cors_allow_origins: tuple[str, ...]
    # Where Cognito answers (the moto server locally); None means the AWS endpoint.
    cognito_endpoint: str | None
    # A local-stage-only switch for developer commands such as verifying an account by hand.
    dev_tools_enabled: bool
    # The key that seals MFA session tokens (core/secrets.py): given directly (the local
    # stack makes one per run) or, deployed, the Secrets Manager secret that holds it.
    session_token_secret: str = field(default="", repr=False)
    session_token_secret_id: str = ""
    # The SQS queue of account deletions (account/), by name: the handler is bound to it by
    # name when the app is imported, and the sender finds its URL once.
    deletion_queue: str = "ai-lifestyle-api-account-deletion"
    # How long after a deletion starts its final sweep runs: an access token issued before the
    # deletion stays valid until it expires (60 minutes, infra/template.yaml), so the sweep
    # waits for the last one, plus a margin for requests already under way.
    deletion_sweep_seconds: int = DELETION_SWEEP_SECONDS
    # The private S3 bucket of account data (core/storage.py): exports and import uploads.
    data_bucket: str = "ai-lifestyle-api-local-account-data"
    # The verified SES identity reminders are sent from (goals/reminder_job.py); the deployed
    # policy allows ses:SendEmail from this address only.
    reminder_sender: str = "reminders@ai-lifestyle.local"

    @property
    def token_issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        base = self.cognito_endpoint or f"https://cognito-idp.{self.region}.amazonaws.com"
        return f"{base.rstrip('/')}/{self.user_pool_id}/.well-known/jwks.json"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(origin.strip() for origin in raw.split(",") if origin.strip()) or ("*",)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    environment = os.environ.get("ENVIRONMENT", "local")
    region = os.environ.get("REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return Settings(
        environment=environment,
        table_name=os.environ.get("TABLE_NAME", f"ai-lifestyle-{environment}"),
        region=region,
        user_pool_id=os.environ.get("COGNITO_USER_POOL_ID", ""),
        client_id=os.environ.get("COGNITO_CLIENT_ID", ""),
        cors_allow_origins=_origins(os.environ.get("CORS_ALLOW_ORIGIN", "*")),
        cognito_endpoint=os.environ.get("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER") or None,
        dev_tools_enabled=environment == "local" and _flag("DEV_TOOLS_ENABLED"),
        session_token_secret=os.environ.get("SESSION_TOKEN_SECRET", ""),
        session_token_secret_id=os.environ.get("SESSION_TOKEN_SECRET_ID", ""),
        deletion_queue=deletion_queue_name(),
        deletion_sweep_seconds=int(
            os.environ.get("ACCOUNT_DELETION_SWEEP_SECONDS", DELETION_SWEEP_SECONDS)
        ),
        # Empty in a deployed stage's config until the bootstrap (or the stack) names it.
        data_bucket=os.environ.get("ACCOUNT_DATA_BUCKET")
        or f"ai-lifestyle-api-{environment}-account-data",
        reminder_sender=os.environ.get("REMINDER_SENDER") or "reminders@ai-lifestyle.local",
    )


def deletion_queue_name() -> str:
    """The account-deletion queue's name (also read when app.py is imported, to bind the
    handler)."""
    return os.environ.get("ACCOUNT_DELETION_QUEUE", "ai-lifestyle-api-account-deletion")


def chalice_authorizer_enabled() -> bool:
    """Whether routes carry Chalice's Cognito authorizer (decided when the app is imported).

    Deployed stages always do. The local stage turns it off: chalice local's stand-in only
    base64-decodes tokens (and fails on malformed ones before the app runs), while the app
    verifies every token itself whenever it is not behind API Gateway.
    """
    return os.environ.get("API_GATEWAY_AUTHORIZER", "cognito") != "none"

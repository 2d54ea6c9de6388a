"""Who is calling: claims from API Gateway's authorizer, or a token the app verifies itself.

Behind API Gateway the Cognito authorizer has already checked the token and hands over its
claims. Everywhere else (`chalice local`, tests) nothing has checked it, so the app verifies
the signature against the pool's JWKS, the expiry, the issuer, the client and the token use.
"""

import json
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chalicelib.core.config import Settings
from chalicelib.core.errors import ServiceUnavailable, Unauthorized

ACCESS_TOKEN_SCOPE = "aws.cognito.signin.user.admin"  # noqa: S105 (an OAuth scope)
JwksFetcher = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class Caller:
    user_id: str


class TokenExpired(Unauthorized):
    code = "TOKEN_EXPIRED"
    default_message = "The access token has expired."


def _fetch_jwks(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 (URL from settings)
        document: dict[str, Any] = json.load(response)
        return document


class JwksCache:
    """The pool's signing keys, fetched once per process and again when a new key id appears."""

    REFRESH_INTERVAL_SECONDS = 60

    def __init__(self, fetch: JwksFetcher = _fetch_jwks) -> None:
        self._fetch = fetch
        self._keys: dict[str, dict[str, Any]] = {}
        self._fetched_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def key(self, url: str, key_id: str) -> Any:
        with self._lock:
            cache_key = f"{url}#{key_id}"
            if cache_key not in self._keys and self._may_refresh(url):
                self._refresh(url)
            jwk = self._keys.get(cache_key)
        if jwk is None:
            raise Unauthorized("The access token was not signed by a known key.")
        import jwt  # see verify_access_token

        return jwt.PyJWK(jwk).key

    def _may_refresh(self, url: str) -> bool:
        # Unknown key ids from forged tokens must not turn into a fetch per request.
        last = self._fetched_at.get(url)
        return last is None or time.monotonic() - last > self.REFRESH_INTERVAL_SECONDS

    def _refresh(self, url: str) -> None:
        try:
            document = self._fetch(url)
        except OSError as exc:
            raise ServiceUnavailable("The identity provider's keys could not be fetched.") from exc
        self._fetched_at[url] = time.monotonic()
        for jwk in document.get("keys", []):
            self._keys[f"{url}#{jwk.get('kid')}"] = jwk


jwks_cache = JwksCache()


def bearer_token(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


def verify_access_token(token: str, settings: Settings, keys: JwksCache | None = None) -> dict:
    # Imported here: behind API Gateway no token is verified in the app, so a cold start
    # need not load PyJWT and its cryptography backend.
    import jwt

    try:
        header = jwt.get_unverified_header(token)
        key = (keys or jwks_cache).key(settings.jwks_url, str(header.get("kid", "")))
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=settings.token_issuer,
            options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
            leeway=5,
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired() from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("The access token is not valid.") from exc
    # Access tokens name their client in `client_id` (ID tokens use `aud`, and are refused).
    if claims.get("token_use") != "access" or claims.get("client_id") != settings.client_id:
        raise Unauthorized("The access token is not valid.")
    return claims


def normalise_claims(claims: Mapping[str, Any]) -> dict[str, Any]:
    """API Gateway hands claims over as strings; the local path has JSON types. Make them one."""
    normalised: dict[str, Any] = {}
    for name, value in claims.items():
        if isinstance(value, str) and value in {"true", "false"}:
            normalised[name] = value == "true"
        elif isinstance(value, str) and name in {"exp", "iat", "auth_time"} and value.isdigit():
            normalised[name] = int(value)
        else:
            normalised[name] = value
    return normalised


def running_in_lambda() -> bool:
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def caller_from(
    request_context: Mapping[str, Any], authorization: str | None, settings: Settings
) -> Caller:
    gateway_claims = (request_context.get("authorizer") or {}).get("claims")
    if running_in_lambda() and gateway_claims:
        claims = normalise_claims(gateway_claims)
    else:
        claims = verify_access_token(bearer_token(authorization), settings)
    user_id = claims.get("sub")
    if not isinstance(user_id, str) or not user_id:
        raise Unauthorized()
    return Caller(user_id=user_id)

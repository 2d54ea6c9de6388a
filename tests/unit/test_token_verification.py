"""The app verifies access tokens itself whenever it is not behind API Gateway."""

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.core import identity
from chalicelib.core.config import Settings
from chalicelib.core.errors import ServiceUnavailable, Unauthorized

SETTINGS = Settings(
    environment="local",
    table_name="t",
    region="us-east-1",
    user_pool_id="us-east-1_pool",
    client_id="web-client",
    cors_allow_origins=("*",),
    cognito_endpoint="http://127.0.0.1:1",
    dev_tools_enabled=False,
)
POOL_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks(key=POOL_KEY, kid="pool-key"):
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [{**public, "kid": kid, "alg": "RS256", "use": "sig"}]}


def _token(key=POOL_KEY, kid="pool-key", **overrides):
    now = int(time.time())
    claims = {
        "sub": "user-1",
        "iss": SETTINGS.token_issuer,
        "client_id": "web-client",
        "token_use": "access",
        "scope": identity.ACCESS_TOKEN_SCOPE,
        "iat": now,
        "exp": now + 600,
        **overrides,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


class _CountingCache(identity.JwksCache):
    """The key cache, fetching the test's JWKS and remembering each fetch."""

    def __init__(self) -> None:
        self.fetched: list[str] = []
        super().__init__(fetch=self._count)

    def _count(self, url: str) -> dict[str, Any]:
        self.fetched.append(url)
        return _jwks()


@pytest.fixture
def keys():
    return _CountingCache()


def test_a_valid_access_token_names_the_caller(keys):
    claims = identity.verify_access_token(_token(), SETTINGS, keys)
    assert claims["sub"] == "user-1"
    assert keys.fetched == ["http://127.0.0.1:1/us-east-1_pool/.well-known/jwks.json"]


def test_keys_are_fetched_once(keys):
    for _ in range(3):
        identity.verify_access_token(_token(), SETTINGS, keys)
    assert len(keys.fetched) == 1


def test_an_expired_token_is_token_expired(keys):
    with pytest.raises(identity.TokenExpired) as caught:
        identity.verify_access_token(_token(exp=int(time.time()) - 60), SETTINGS, keys)
    assert caught.value.code == "TOKEN_EXPIRED"
    assert caught.value.status == 401


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(_token(key=OTHER_KEY), id="forged-signature"),
        pytest.param(_token(iss="https://cognito-idp.us-east-1.amazonaws.com/other"), id="issuer"),
        pytest.param(_token(client_id="another-client"), id="client"),
        pytest.param(_token(token_use="id"), id="id-token"),
        pytest.param(_token(kid="unknown-key"), id="unknown-key"),
        pytest.param("not-a-jwt", id="garbage"),
        pytest.param(jwt.encode({"sub": "user-1"}, key="", algorithm="none"), id="alg-none"),
    ],
)
def test_bad_tokens_are_refused(keys, token):
    with pytest.raises(Unauthorized) as caught:
        identity.verify_access_token(token, SETTINGS, keys)
    assert caught.value.status == 401


def test_a_tampered_payload_breaks_the_signature(keys):
    header, payload, signature = _token().split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = "someone-else"
    forged_payload = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    with pytest.raises(Unauthorized):
        identity.verify_access_token(f"{header}.{forged_payload}.{signature}", SETTINGS, keys)


def test_unknown_key_ids_do_not_refetch_on_every_request(keys):
    for _ in range(5):
        with pytest.raises(Unauthorized):
            identity.verify_access_token(_token(kid="unknown"), SETTINGS, keys)
    assert len(keys.fetched) == 1


def test_unreachable_key_endpoint_is_503():
    def fail(url):
        raise OSError("connection refused")

    with pytest.raises(ServiceUnavailable):
        identity.verify_access_token(_token(), SETTINGS, identity.JwksCache(fetch=fail))


@pytest.mark.parametrize("header", [None, "", "Basic abc", "Bearer", "Bearer   "])
def test_missing_or_malformed_authorization_header(header):
    with pytest.raises(Unauthorized):
        identity.bearer_token(header)


def test_api_gateway_string_claims_are_normalised():
    claims = identity.normalise_claims(
        {"sub": "u", "email_verified": "true", "exp": "1700000000", "token_use": "access"}
    )
    assert claims == {"sub": "u", "email_verified": True, "exp": 1700000000, "token_use": "access"}


def test_in_lambda_the_gateway_claims_are_trusted(monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "ai-lifestyle-api-prod")
    caller = identity.caller_from({"authorizer": {"claims": {"sub": "user-9"}}}, None, SETTINGS)
    assert caller.user_id == "user-9"


def test_outside_lambda_gateway_claims_are_not_trusted(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    # chalice local fills these claims from an unverified token: they prove nothing.
    with pytest.raises(Unauthorized):
        identity.caller_from({"authorizer": {"claims": {"sub": "user-9"}}}, None, SETTINGS)

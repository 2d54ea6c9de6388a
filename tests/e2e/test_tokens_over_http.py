"""Forged, tampered, expired and wrong-kind tokens are 401 in the envelope, with CORS."""

import gzip
import json
import time
from importlib import resources

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.helpers import assert_envelope


def _claims(api, **overrides):
    pool_id = api.stack_env["COGNITO_USER_POOL_ID"]
    now = int(time.time())
    return {
        "sub": "someone",
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}",
        "client_id": api.stack_env["COGNITO_CLIENT_ID"],
        "token_use": "access",
        "iat": now - 7200,
        "exp": now + 3600,
        **overrides,
    }


def _emulator_private_key():
    """The Cognito emulator's own signing key, to mint a token that is genuine but expired."""
    raw = (resources.files("moto") / "cognitoidp/resources/jwks-private.json.gz").read_bytes()
    return jwt.PyJWK(json.loads(gzip.decompress(raw))).key


def _assert_401(response, code="UNAUTHORIZED"):
    assert response.status_code == 401
    assert_envelope(response.json(), 401, code)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Request-ID"]


def test_no_token(api):
    _assert_401(api.call("GET", "/users/profile"))


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "Bearer", "x" * 5000])
def test_malformed_tokens(api, token):
    _assert_401(api.call("GET", "/users/profile", token))


def test_forged_token_signed_with_another_key(api):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(_claims(api), key, algorithm="RS256", headers={"kid": "dummy"})
    _assert_401(api.call("GET", "/users/profile", forged))


def test_tampered_real_token(api):
    _, login = api.new_account()
    header, payload, signature = login["accessToken"].split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["sub"] = "another-user"
    tampered = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    _assert_401(api.call("GET", "/users/profile", f"{header}.{tampered}.{signature}"))


def test_expired_token_from_the_real_issuer(api):
    expired = jwt.encode(
        _claims(api, exp=int(time.time()) - 60),
        _emulator_private_key(),
        algorithm="RS256",
        headers={"kid": "dummy"},
    )
    _assert_401(api.call("GET", "/users/profile", expired), "TOKEN_EXPIRED")


def test_id_token_is_not_an_access_token(api):
    _, login = api.new_account()
    _assert_401(api.call("GET", "/users/profile", login["idToken"]))

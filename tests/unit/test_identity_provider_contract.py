"""One contract, two identity providers: Cognito (moto here, the moto server in
tests/integration) and the in-memory fake the service tests use (tests/service/fakes.py), for
the failures the auth service turns into client errors."""

import jwt
import pytest

from chalicelib.core.config import get_settings
from chalicelib.users.identity_provider import (
    CognitoIdentityProvider,
    Failure,
    IdentityFailure,
    Tokens,
)
from tests.helpers import STRONG_PASSWORD
from tests.service.fakes import FakeIdentityProvider


@pytest.fixture(params=["cognito", "fake"])
def provider(request):
    if request.param == "cognito":
        request.getfixturevalue("aws")
        return CognitoIdentityProvider(get_settings())
    return FakeIdentityProvider()


def failure_of(action):
    with pytest.raises(IdentityFailure) as raised:
        action()
    return raised.value.kind


def test_an_email_signs_up_once(provider):
    user_id = provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace")
    assert user_id
    assert failure_of(lambda: provider.sign_up("ada@example.com", STRONG_PASSWORD, "A", "L")
                      ) is Failure.USER_EXISTS


def test_only_a_confirmed_account_with_its_password_signs_in(provider):
    user_id = provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace")
    assert failure_of(lambda: provider.password_login("ada@example.com", STRONG_PASSWORD)
                      ) is Failure.NOT_CONFIRMED
    provider.confirm_user("ada@example.com")
    assert failure_of(lambda: provider.password_login("ada@example.com", "Nope1!xx")
                      ) is Failure.NOT_AUTHORIZED
    assert failure_of(lambda: provider.password_login("bob@example.com", STRONG_PASSWORD)
                      ) in {Failure.NOT_AUTHORIZED, Failure.USER_NOT_FOUND}
    tokens = provider.password_login("ada@example.com", STRONG_PASSWORD)
    assert isinstance(tokens, Tokens)
    access = jwt.decode(tokens.access_token, options={"verify_signature": False})
    identity = jwt.decode(tokens.id_token, options={"verify_signature": False})
    assert access["sub"] == identity["sub"] == user_id
    # (moto's ID token has no name claims; the service reads only sub and email from it,
    # except when it heals a lost profile)
    assert identity["email"] == "ada@example.com"


def test_a_deleted_account_is_gone(provider):
    provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace")
    provider.delete_user("ada@example.com")
    assert failure_of(lambda: provider.password_login("ada@example.com", STRONG_PASSWORD)
                      ) in {Failure.NOT_AUTHORIZED, Failure.USER_NOT_FOUND}
    assert provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace")

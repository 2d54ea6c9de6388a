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
    MfaChallenge,
    Tokens,
)
from tests.helpers import STRONG_PASSWORD, current_totp_code
from tests.service.fakes import FakeIdentityProvider


@pytest.fixture(params=["cognito", "fake"])
def provider(request, monkeypatch):
    if request.param == "cognito":
        request.getfixturevalue("aws")
        monkeypatch.setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
        return CognitoIdentityProvider(get_settings())
    return FakeIdentityProvider()


def failure_of(action):
    with pytest.raises(IdentityFailure) as raised:
        action()
    return raised.value.kind


def test_an_email_signs_up_once(provider):
    user_id = provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace")
    assert user_id
    assert (
        failure_of(lambda: provider.sign_up("ada@example.com", STRONG_PASSWORD, "A", "L"))
        is Failure.USER_EXISTS
    )


def test_only_a_confirmed_account_with_its_password_signs_in(provider):
    user_id = provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace")
    assert (
        failure_of(lambda: provider.password_login("ada@example.com", STRONG_PASSWORD))
        is Failure.NOT_CONFIRMED
    )
    provider.confirm_user("ada@example.com")
    assert (
        failure_of(lambda: provider.password_login("ada@example.com", "Nope1!xx"))
        is Failure.NOT_AUTHORIZED
    )
    assert failure_of(lambda: provider.password_login("bob@example.com", STRONG_PASSWORD)) in {
        Failure.NOT_AUTHORIZED,
        Failure.USER_NOT_FOUND,
    }
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
    assert failure_of(lambda: provider.password_login("ada@example.com", STRONG_PASSWORD)) in {
        Failure.NOT_AUTHORIZED,
        Failure.USER_NOT_FOUND,
    }
    assert provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace")


def _signed_in(provider, email="ada@example.com"):
    provider.sign_up(email, STRONG_PASSWORD, "Ada", "Lovelace")
    provider.confirm_user(email)
    tokens = provider.password_login(email, STRONG_PASSWORD)
    assert isinstance(tokens, Tokens)
    return tokens


def test_software_token_mfa_checks_codes_and_turns_sign_in_into_a_challenge(provider):
    tokens = _signed_in(provider)
    secret = provider.start_software_token(tokens.access_token)
    wrong = "000000" if current_totp_code(secret) != "000000" else "111111"
    assert (
        failure_of(lambda: provider.verify_software_token(tokens.access_token, wrong))
        is Failure.CODE_MISMATCH
    )
    provider.verify_software_token(tokens.access_token, current_totp_code(secret))
    provider.set_software_token_mfa(tokens.access_token, True)
    challenge = provider.password_login("ada@example.com", STRONG_PASSWORD)
    assert isinstance(challenge, MfaChallenge)
    assert (
        failure_of(
            lambda: provider.answer_mfa_challenge("ada@example.com", challenge.session, wrong)
        )
        is Failure.CODE_MISMATCH
    )
    again = provider.password_login("ada@example.com", STRONG_PASSWORD)
    answered = provider.answer_mfa_challenge(
        "ada@example.com", again.session, current_totp_code(secret)
    )
    subject = jwt.decode(answered.access_token, options={"verify_signature": False})["sub"]
    assert subject == jwt.decode(tokens.access_token, options={"verify_signature": False})["sub"]
    provider.set_software_token_mfa(tokens.access_token, False)
    assert isinstance(provider.password_login("ada@example.com", STRONG_PASSWORD), Tokens)


def test_global_sign_out_ends_every_refresh_token_of_the_account_only(provider):
    phone = _signed_in(provider)
    laptop = provider.password_login("ada@example.com", STRONG_PASSWORD)
    assert isinstance(laptop, Tokens)
    other = _signed_in(provider, "bob@example.com")
    assert provider.refresh(phone.refresh_token).access_token
    provider.sign_out_everywhere(laptop.access_token)
    for tokens in (phone, laptop):
        assert failure_of(lambda t=tokens: provider.refresh(t.refresh_token)) is (
            Failure.NOT_AUTHORIZED
        )
    # The signed-out access token no longer works with the provider itself, either.
    assert (
        failure_of(lambda: provider.sign_out_everywhere(phone.access_token))
        is Failure.NOT_AUTHORIZED
    )
    # Someone else's sessions go on; a new sign-in works.
    assert provider.refresh(other.refresh_token).access_token
    assert isinstance(provider.password_login("ada@example.com", STRONG_PASSWORD), Tokens)


def test_a_password_changes_only_with_the_current_one(provider):
    tokens = _signed_in(provider)
    new_password = "N3w!Passw0rd"
    with pytest.raises(IdentityFailure) as raised:
        provider.change_password(tokens.access_token, "Wr0ng!Passw0rd", new_password)
    assert raised.value.kind is Failure.NOT_AUTHORIZED
    # A wrong password is not mistaken for a refused access token (auth_service tells them
    # apart by Cognito naming the token).
    assert "access token" not in raised.value.detail.lower()
    assert isinstance(provider.password_login("ada@example.com", STRONG_PASSWORD), Tokens)
    provider.change_password(tokens.access_token, STRONG_PASSWORD, new_password)
    assert isinstance(provider.password_login("ada@example.com", new_password), Tokens)
    assert (
        failure_of(lambda: provider.password_login("ada@example.com", STRONG_PASSWORD))
        is Failure.NOT_AUTHORIZED
    )


def test_ending_an_account_goes_by_its_id(provider):
    """Account deletion: disabled (no sign-in), refresh tokens revoked, then deleted by id,
    which frees the address; a second delete finds nothing and says so."""
    user_id = provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace")
    provider.confirm_user("ada@example.com")
    provider.disable_user(user_id)
    provider.revoke_refresh_tokens(user_id)
    assert (
        failure_of(lambda: provider.password_login("ada@example.com", STRONG_PASSWORD))
        is Failure.NOT_AUTHORIZED
    )
    assert provider.delete_user_by_id(user_id) is True
    assert provider.delete_user_by_id(user_id) is False
    assert provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace") != user_id
    unknown = "3f1c2a44-1111-4222-8333-444455556666"
    assert failure_of(lambda: provider.disable_user(unknown)) is Failure.USER_NOT_FOUND


def test_the_local_cognito_revokes_by_id_as_cognito_does(aws, monkeypatch):
    """moto alone revokes only tokens filed under the exact name the admin call gives (the
    address typed at sign-in), not by `sub`; the local stack's Cognito server fixes that
    (scripts/cognito_server.py), so account deletion's revocation works locally too."""
    from moto.cognitoidp.models import CognitoIdpUserPool

    from scripts.cognito_server import sign_out_by_any_name

    provider = CognitoIdentityProvider(get_settings())
    user_id = provider.sign_up("ada@example.com", STRONG_PASSWORD, "Ada", "Lovelace")
    provider.confirm_user("ada@example.com")

    def refresh_token() -> str:
        tokens = provider.password_login("ada@example.com", STRONG_PASSWORD)
        assert isinstance(tokens, Tokens)
        return str(tokens.refresh_token)

    unpatched = refresh_token()
    provider.revoke_refresh_tokens(user_id)
    provider.refresh(unpatched)  # moto's own gap: still works

    monkeypatch.setattr(CognitoIdpUserPool, "sign_out", CognitoIdpUserPool.sign_out)
    sign_out_by_any_name()
    patched = refresh_token()
    provider.revoke_refresh_tokens(user_id)
    assert failure_of(lambda: provider.refresh(patched)) is Failure.NOT_AUTHORIZED

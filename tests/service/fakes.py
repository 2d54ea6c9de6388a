"""In-memory stand-ins for what the users domain's services are built with: the profile
repository and the identity provider. Each honours the contract of the real one that the
services rely on (a create refuses an existing profile, an update applies every change or none
and finds no profile to change as None, a duplicate sign-up is a USER_EXISTS failure, an
unconfirmed account cannot sign in), so service rules run in microseconds without moto.
tests/unit/test_profile_repository_contract.py runs one contract against this fake and the real
repository, so they cannot drift apart where the services' tests rely on them."""

import base64
import copy
import secrets
import uuid
from typing import Any

import jwt

from chalicelib.core import dynamo
from chalicelib.users import totp
from chalicelib.users.identity_provider import Failure, IdentityFailure, MfaChallenge, Tokens
from chalicelib.users.profile import Profile
from chalicelib.users.repository import ProfileAlreadyExists, profile_item, profile_of


class FakeProfileRepository:
    """Profile items by user id, stored and read back through the real repository's own
    conversion, and changed by the same `UpdateBuilder` the real repository sends."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def create(self, profile: Profile) -> None:
        if profile.user_id in self.items:
            raise ProfileAlreadyExists(profile.user_id)
        self.items[profile.user_id] = profile_item(profile)

    def get(self, user_id: str) -> Profile | None:
        item = self.items.get(user_id)
        return profile_of(item) if item is not None else None

    def update(self, user_id: str, update: dynamo.UpdateBuilder) -> Profile | None:
        if user_id not in self.items:
            return None
        changed = copy.deepcopy(self.items[user_id])
        _apply(changed, update.params())
        self.items[user_id] = changed  # every change or, when one fails, none
        return profile_of(changed)


def _apply(item: dict[str, Any], params: dict[str, Any]) -> None:
    """SET path = :value and REMOVE path, the two clauses profile updates use (anything else
    is refused, so a new kind of update cannot pass here and fail on DynamoDB)."""
    names = params.get("ExpressionAttributeNames", {})
    values = {
        placeholder: dynamo.deserialize({"v": value})["v"]
        for placeholder, value in params.get("ExpressionAttributeValues", {}).items()
    }
    clause = ""
    for word in params["UpdateExpression"].replace(",", " , ").split():
        if word in {"SET", "REMOVE", "ADD", "DELETE"}:
            clause = word
            pending: list[str] = []
            continue
        if clause not in {"SET", "REMOVE"}:
            raise NotImplementedError(f"the fake does not apply {clause} clauses")
        if word != ",":
            pending.append(word)
        if clause == "REMOVE" and len(pending) == 1:
            _remove(item, [names[part] for part in pending.pop().split(".")])
        elif clause == "SET" and len(pending) == 3:
            path, equals, value = pending
            if equals != "=" or value not in values:
                raise NotImplementedError(f"the fake does not apply SET {path} {equals} {value}")
            _set(item, [names[part] for part in path.split(".")], values[value])
            pending = []


def _parent(item: dict[str, Any], path: list[str]) -> dict[str, Any]:
    parent = item
    for part in path[:-1]:
        if not isinstance(parent.get(part), dict):
            # As DynamoDB: a document path through a missing map is invalid.
            raise ValueError(f"the document path {'.'.join(path)} is invalid")
        parent = parent[part]
    return parent


def _set(item: dict[str, Any], path: list[str], value: Any) -> None:
    _parent(item, path)[path[-1]] = value


def _remove(item: dict[str, Any], path: list[str]) -> None:
    _parent(item, path).pop(path[-1], None)


def _unsigned_token(claims: dict[str, Any]) -> str:
    # The auth service reads Cognito's own tokens without verifying them (they come over TLS
    # from Cognito); a fake token only needs to carry the claims.
    return jwt.encode(claims, "fake-identity-provider-key-of-32-bytes", algorithm="HS256")


class FakeIdentityProvider:
    """Accounts by email: sign-up, confirmation, password sign-in, deletion, software-token
    MFA (codes are checked as Cognito checks them, against the current TOTP window), refresh
    tokens, password change and global sign-out (which, as Cognito, ends every refresh token
    of the account and every access token's use with the provider). Email codes and password
    resets are not faked (their tests run on moto)."""

    EXPIRES_IN = 3600

    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, Any]] = {}
        self._challenges: dict[str, str] = {}  # MFA session -> the email it was issued for
        # Live tokens -> the email they were issued for; a sign-out empties them of the account.
        self._refresh_tokens: dict[str, str] = {}
        self._access_tokens: dict[str, str] = {}

    def sign_up(self, email: str, password: str, first_name: str, last_name: str) -> str:
        if email in self.accounts:
            raise IdentityFailure(Failure.USER_EXISTS, "User already exists")
        sub = str(uuid.uuid4())
        self.accounts[email] = {
            "sub": sub,
            "password": password,
            "confirmed": False,
            "given_name": first_name,
            "family_name": last_name,
            "mfa": False,
        }
        return sub

    def delete_user(self, email: str) -> None:
        if self.accounts.pop(email, None) is None:
            raise IdentityFailure(Failure.USER_NOT_FOUND, "User does not exist.")

    # Ending an account: by user id (the pool's username is the sub).

    def _by_id(self, user_id: str) -> dict[str, Any]:
        for account in self.accounts.values():
            if account["sub"] == user_id:
                return account
        raise IdentityFailure(Failure.USER_NOT_FOUND, "User does not exist.")

    def disable_user(self, user_id: str) -> None:
        self._by_id(user_id)["disabled"] = True

    def revoke_refresh_tokens(self, user_id: str) -> None:
        self._by_id(user_id)["revoked"] = self._by_id(user_id).get("revoked", 0) + 1

    def delete_user_by_id(self, user_id: str) -> bool:
        for email, account in list(self.accounts.items()):
            if account["sub"] == user_id:
                del self.accounts[email]
                return True
        return False

    def confirm_user(self, email: str) -> None:
        if email not in self.accounts:
            raise IdentityFailure(Failure.USER_NOT_FOUND, "User does not exist.")
        self.accounts[email]["confirmed"] = True

    def password_login(self, email: str, password: str) -> Tokens | MfaChallenge:
        account = self.accounts.get(email)
        if account is None:
            raise IdentityFailure(Failure.USER_NOT_FOUND, "User does not exist.")
        if account["password"] != password:
            raise IdentityFailure(Failure.NOT_AUTHORIZED, "Incorrect username or password.")
        if account.get("disabled"):
            raise IdentityFailure(Failure.NOT_AUTHORIZED, "User is disabled.")
        if not account["confirmed"]:
            raise IdentityFailure(Failure.NOT_CONFIRMED, "User is not confirmed.")
        if account["mfa"]:
            session = secrets.token_urlsafe(24)
            self._challenges[session] = email
            return MfaChallenge(session=session)
        return self.tokens_of(email)

    def answer_mfa_challenge(self, email: str, session: str, code: str) -> Tokens:
        if self._challenges.get(session) != email:
            raise IdentityFailure(Failure.NOT_AUTHORIZED, "Invalid session for the user.")
        if not totp.matches(self.accounts[email]["secret"], code):
            raise IdentityFailure(Failure.CODE_MISMATCH, "Invalid code received for user")
        del self._challenges[session]
        return self.tokens_of(email)

    def start_software_token(self, access_token: str) -> str:
        account = self._account_of(access_token)
        account["pending_secret"] = base64.b32encode(secrets.token_bytes(20)).decode()
        return str(account["pending_secret"])

    def verify_software_token(self, access_token: str, code: str) -> None:
        account = self._account_of(access_token)
        pending = account.get("pending_secret")
        if not pending or not totp.matches(pending, code):
            raise IdentityFailure(Failure.CODE_MISMATCH, "Code mismatch")
        account["secret"] = pending

    def set_software_token_mfa(self, access_token: str, enabled: bool) -> None:
        account = self._account_of(access_token)
        if enabled and not account.get("secret"):
            raise IdentityFailure(Failure.INVALID_PARAMETER, "No software token is verified.")
        account["mfa"] = enabled

    def refresh(self, refresh_token: str) -> Tokens:
        email = self._refresh_tokens.get(refresh_token)
        if email is None or email not in self.accounts:
            raise IdentityFailure(Failure.NOT_AUTHORIZED, "Invalid Refresh Token")
        tokens = self.tokens_of(email)
        del self._refresh_tokens[tokens.refresh_token or ""]  # a refresh issues none
        return Tokens(tokens.access_token, tokens.id_token, tokens.expires_in, None)

    def change_password(self, access_token: str, old_password: str, new_password: str) -> None:
        account = self._account_of(access_token)
        if account["password"] != old_password:
            raise IdentityFailure(Failure.NOT_AUTHORIZED, "Incorrect username or password.")
        account["password"] = new_password

    def sign_out_everywhere(self, access_token: str) -> None:
        self._account_of(access_token)
        email = self._access_tokens[access_token]
        for tokens in (self._refresh_tokens, self._access_tokens):
            for token in [token for token, owner in tokens.items() if owner == email]:
                del tokens[token]

    def _account_of(self, access_token: str) -> dict[str, Any]:
        email = self._access_tokens.get(access_token)
        if email is None or email not in self.accounts:
            # Cognito names the access token in each such refusal (revoked, expired, invalid).
            raise IdentityFailure(Failure.NOT_AUTHORIZED, "Access Token has been revoked")
        return self.accounts[email]

    def tokens_of(self, email: str) -> Tokens:
        """The tokens a sign-in of this account gets (for tests that need an access token)."""
        account = self.accounts[email]
        # A token id of its own, so that each sign-in's tokens can be told apart and revoked.
        access = _unsigned_token(
            {"sub": account["sub"], "token_use": "access", "jti": str(uuid.uuid4())}
        )
        identity = _unsigned_token(
            {
                "sub": account["sub"],
                "email": email,
                "given_name": account["given_name"],
                "family_name": account["family_name"],
                "token_use": "id",
            }
        )
        refresh_token = f"refresh-{uuid.uuid4()}"
        self._access_tokens[access] = email
        self._refresh_tokens[refresh_token] = email
        return Tokens(
            access_token=access,
            id_token=identity,
            expires_in=self.EXPIRES_IN,
            refresh_token=refresh_token,
        )

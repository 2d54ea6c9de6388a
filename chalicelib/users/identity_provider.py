"""All Cognito access: sign-up, sign-in, codes, software-token MFA, sessions, and ending an
account.

Cognito's error codes are translated into a few `IdentityFailure` kinds so that the auth
service can decide what a client is told without knowing boto3.
"""

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from chalicelib.core.aws import error_code, error_message
from chalicelib.core.config import Settings


class Failure(StrEnum):
    USER_EXISTS = "user_exists"
    INVALID_PASSWORD = "invalid_password"  # noqa: S105 (a failure kind)
    NOT_AUTHORIZED = "not_authorized"
    USER_NOT_FOUND = "user_not_found"
    NOT_CONFIRMED = "not_confirmed"
    CODE_MISMATCH = "code_mismatch"
    CODE_EXPIRED = "code_expired"
    LIMIT_EXCEEDED = "limit_exceeded"
    PASSWORD_RESET_REQUIRED = "password_reset_required"  # noqa: S105 (a failure kind)
    INVALID_PARAMETER = "invalid_parameter"


class IdentityFailure(Exception):
    def __init__(self, kind: Failure, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


_FAILURES = {
    "UsernameExistsException": Failure.USER_EXISTS,
    "AliasExistsException": Failure.USER_EXISTS,
    "InvalidPasswordException": Failure.INVALID_PASSWORD,
    "NotAuthorizedException": Failure.NOT_AUTHORIZED,
    "UserNotFoundException": Failure.USER_NOT_FOUND,
    "ResourceNotFoundException": Failure.NOT_AUTHORIZED,
    "UserNotConfirmedException": Failure.NOT_CONFIRMED,
    "CodeMismatchException": Failure.CODE_MISMATCH,
    "ExpiredCodeException": Failure.CODE_EXPIRED,
    "EnableSoftwareTokenMFAException": Failure.CODE_MISMATCH,
    "LimitExceededException": Failure.LIMIT_EXCEEDED,
    "TooManyFailedAttemptsException": Failure.LIMIT_EXCEEDED,
    "PasswordResetRequiredException": Failure.PASSWORD_RESET_REQUIRED,
    "InvalidParameterException": Failure.INVALID_PARAMETER,
}


@dataclass(frozen=True)
class Tokens:
    access_token: str
    id_token: str
    expires_in: int
    refresh_token: str | None


@dataclass(frozen=True)
class MfaChallenge:
    session: str


@lru_cache(maxsize=1)
def cognito_client(region: str) -> Any:
    # Three attempts in all (`max_attempts` would count retries only).
    # Bounded like DynamoDB's client (core/dynamo.py): a hung Cognito ends in our 503.
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=3
    )
    return boto3.client("cognito-idp", region_name=region, config=config)


def _tokens(result: dict[str, Any]) -> Tokens:
    return Tokens(
        access_token=result["AccessToken"],
        id_token=result["IdToken"],
        expires_in=int(result.get("ExpiresIn", 3600)),
        refresh_token=result.get("RefreshToken"),
    )


class CognitoIdentityProvider:
    def __init__(self, settings: Settings, client: Any = None) -> None:
        self._settings = settings
        self._client_override = client

    @property
    def _cognito(self) -> Any:
        return self._client_override or cognito_client(self._settings.region)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        try:
            result: dict[str, Any] = getattr(self._cognito, operation)(**params)
        except ClientError as exc:
            kind = _FAILURES.get(error_code(exc))
            if kind is None:
                raise
            raise IdentityFailure(kind, error_message(exc)) from exc
        return result

    def sign_up(self, email: str, password: str, first_name: str, last_name: str) -> str:
        result = self._call(
            "sign_up",
            ClientId=self._settings.client_id,
            Username=email,
            Password=password,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "given_name", "Value": first_name},
                {"Name": "family_name", "Value": last_name},
            ],
        )
        return str(result["UserSub"])

    def delete_user(self, email: str) -> None:
        self._call("admin_delete_user", UserPoolId=self._settings.user_pool_id, Username=email)

    # Ending an account (account/deletion_service.py). The pool signs in by email
    # (UsernameAttributes), so its username is the user's `sub`, our user id: naming the user by
    # id can never reach an account registered later with the same address.

    def disable_user(self, user_id: str) -> None:
        """No new sign-in, no token refresh; tokens already issued stay valid until they expire."""
        self._call("admin_disable_user", UserPoolId=self._settings.user_pool_id, Username=user_id)

    def revoke_refresh_tokens(self, user_id: str) -> None:
        """Revoke every refresh token of the user (AdminUserGlobalSignOut)."""
        self._call(
            "admin_user_global_sign_out",
            UserPoolId=self._settings.user_pool_id,
            Username=user_id,
        )

    def delete_user_by_id(self, user_id: str) -> bool:
        """Delete the user; False when there is none (already deleted: the eraser may run twice)."""
        try:
            self._call(
                "admin_delete_user", UserPoolId=self._settings.user_pool_id, Username=user_id
            )
        except IdentityFailure as failure:
            if failure.kind is Failure.USER_NOT_FOUND:
                return False
            raise
        return True

    def confirm_user(self, email: str) -> None:
        """Mark an account verified without a code (the local developer command only)."""
        self._call("admin_confirm_sign_up", UserPoolId=self._settings.user_pool_id, Username=email)

    def password_login(self, email: str, password: str) -> Tokens | MfaChallenge:
        result = self._call(
            "initiate_auth",
            ClientId=self._settings.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password},
        )
        if "AuthenticationResult" in result:
            return _tokens(result["AuthenticationResult"])
        if result.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            return MfaChallenge(session=result["Session"])
        raise IdentityFailure(Failure.PASSWORD_RESET_REQUIRED, str(result.get("ChallengeName")))

    def answer_mfa_challenge(self, email: str, session: str, code: str) -> Tokens:
        result = self._call(
            "respond_to_auth_challenge",
            ClientId=self._settings.client_id,
            ChallengeName="SOFTWARE_TOKEN_MFA",
            Session=session,
            ChallengeResponses={"USERNAME": email, "SOFTWARE_TOKEN_MFA_CODE": code},
        )
        return _tokens(result["AuthenticationResult"])

    def refresh(self, refresh_token: str) -> Tokens:
        result = self._call(
            "initiate_auth",
            ClientId=self._settings.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
        return _tokens(result["AuthenticationResult"])

    def confirm_sign_up(self, email: str, code: str) -> None:
        self._call(
            "confirm_sign_up",
            ClientId=self._settings.client_id,
            Username=email,
            ConfirmationCode=code,
        )

    def resend_confirmation(self, email: str) -> None:
        self._call("resend_confirmation_code", ClientId=self._settings.client_id, Username=email)

    def forgot_password(self, email: str) -> None:
        self._call("forgot_password", ClientId=self._settings.client_id, Username=email)

    def confirm_forgot_password(self, email: str, code: str, new_password: str) -> None:
        self._call(
            "confirm_forgot_password",
            ClientId=self._settings.client_id,
            Username=email,
            ConfirmationCode=code,
            Password=new_password,
        )

    def change_password(self, access_token: str, old_password: str, new_password: str) -> None:
        """Cognito checks the old password itself (NOT_AUTHORIZED when it is wrong)."""
        self._call(
            "change_password",
            AccessToken=access_token,
            PreviousPassword=old_password,
            ProposedPassword=new_password,
        )

    def sign_out_everywhere(self, access_token: str) -> None:
        """GlobalSignOut: every refresh token of the token's user stops working at once (and
        its access tokens stop working with Cognito's own APIs; see README, "Sessions")."""
        self._call("global_sign_out", AccessToken=access_token)

    def start_software_token(self, access_token: str) -> str:
        return str(self._call("associate_software_token", AccessToken=access_token)["SecretCode"])

    def verify_software_token(self, access_token: str, code: str) -> None:
        result = self._call(
            "verify_software_token",
            AccessToken=access_token,
            UserCode=code,
            FriendlyDeviceName="authenticator",
        )
        if result.get("Status") != "SUCCESS":
            raise IdentityFailure(Failure.CODE_MISMATCH, "verification did not succeed")

    def set_software_token_mfa(self, access_token: str, enabled: bool) -> None:
        self._call(
            "set_user_mfa_preference",
            AccessToken=access_token,
            SoftwareTokenMfaSettings={"Enabled": enabled, "PreferredMfa": enabled},
        )

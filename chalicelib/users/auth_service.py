"""Account rules: registration, sign-in, tokens, email codes, password reset and change,
signing out everywhere, and MFA."""

import urllib.parse
from collections.abc import Callable
from typing import Any

import jwt

from chalicelib.core import errors
from chalicelib.core.dynamo import UpdateBuilder
from chalicelib.core.errors import FieldError
from chalicelib.core.logging import logger
from chalicelib.users import mfa_session, totp
from chalicelib.users.identity_provider import (
    CognitoIdentityProvider,
    Failure,
    IdentityFailure,
    MfaChallenge,
    Tokens,
)
from chalicelib.users.models import (
    EmailRequest,
    LoginRequest,
    MfaCodeRequest,
    MfaLoginRequest,
    PasswordChangeRequest,
    RefreshRequest,
    RegisterRequest,
    ResetConfirmRequest,
    VerifyEmailRequest,
    normalise_email,
    split_email_code,
)
from chalicelib.users.presenter import present_profile
from chalicelib.users.profile import Profile
from chalicelib.users.repository import ProfileRepository
from chalicelib.users.service import new_profile

TOKEN_TYPE = "Bearer"  # noqa: S105 (the OAuth token type)
TOTP_ISSUER = "AI Lifestyle"
CODE_SENT = "If an account exists for this email, a code has been sent to it."
SIGNED_OUT = (
    "Every session of this account is signed out: refresh tokens no longer work, and access "
    "tokens already issued expire within the hour."
)


def _invalid_credentials() -> errors.AppError:
    # The same answer for an unknown email and a wrong password: existence is not revealed.
    return errors.Unauthorized("Email or password is incorrect.", code="INVALID_CREDENTIALS")


def _throttled(failure: IdentityFailure) -> errors.AppError | None:
    if failure.kind is Failure.LIMIT_EXCEEDED:
        return errors.TooManyRequests("Too many attempts; try again later.", retry_after=60)
    return None


def _invalid_token(message: str = "The code is invalid or has expired.") -> errors.AppError:
    return errors.BadRequest(message, code="INVALID_TOKEN")


def _claims_from_cognito(token: str) -> dict[str, Any]:
    # These tokens come straight from Cognito's own response over TLS, not from a client, so
    # reading them without verifying the signature is safe here (and only here).
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _invalid_session() -> errors.AppError:
    return errors.Unauthorized("The MFA session is invalid.", code="INVALID_SESSION")


def _session_expired() -> errors.AppError:
    return errors.Unauthorized(
        "The MFA session has expired; sign in again.", code="SESSION_EXPIRED"
    )


def _tokens_belong_to(tokens: Tokens, email: str) -> bool:
    """Whether the access and ID tokens are of one user, and that user has `email`."""
    access, identity = (
        _claims_from_cognito(tokens.access_token),
        _claims_from_cognito(tokens.id_token),
    )
    if not access.get("sub") or access.get("sub") != identity.get("sub"):
        return False
    try:
        return normalise_email(str(identity.get("email", ""))) == email
    except ValueError:
        return False


def _password_change_failure(failure: IdentityFailure) -> errors.AppError:
    if failure.kind is Failure.NOT_AUTHORIZED and "access token" not in failure.detail.lower():
        # Cognito's answer to a wrong current password ("Incorrect username or password.").
        # Not 401: clients take a 401 for an ended session and sign the user out. A revoked or
        # expired access token is named as one ("Access Token has been revoked") and is 401.
        return errors.Forbidden("The current password is not correct.", code="INCORRECT_PASSWORD")
    if failure.kind is Failure.INVALID_PASSWORD:
        return errors.ValidationFailed(
            [FieldError("newPassword", "does not meet the password policy")]
        )
    if failure.kind is Failure.INVALID_PARAMETER:
        # Cognito's own form rules beyond ours (no white space at either end); its message
        # names the field ("Value at 'proposedPassword' failed to satisfy constraint ...").
        field = "newPassword" if "proposedpassword" in failure.detail.lower() else "oldPassword"
        return errors.ValidationFailed(
            [FieldError(field, "is not in a form the identity provider accepts")]
        )
    if failure.kind is Failure.PASSWORD_RESET_REQUIRED:
        return errors.Forbidden(
            "Reset your password before changing it.", code="PASSWORD_RESET_REQUIRED"
        )
    return _throttled(failure) or errors.Unauthorized("The identity provider refused the request.")


class AuthService:
    def __init__(
        self,
        identity: CognitoIdentityProvider,
        profiles: ProfileRepository,
        session_key: Callable[[], bytes],
        dev_tools_enabled: bool = False,
    ) -> None:
        self._identity = identity
        self._profiles = profiles
        # Read on first use: only an MFA sign-in needs the secret.
        self._session_key = session_key
        self._dev_tools_enabled = dev_tools_enabled

    def register(self, request: RegisterRequest) -> dict[str, Any]:
        try:
            user_id = self._identity.sign_up(
                request.email, request.password, request.first_name, request.last_name
            )
        except IdentityFailure as failure:
            if failure.kind is Failure.USER_EXISTS:
                raise errors.Conflict(
                    "An account with this email already exists.", code="USER_ALREADY_EXISTS"
                ) from failure
            if failure.kind is Failure.INVALID_PASSWORD:
                raise errors.ValidationFailed(
                    [FieldError("password", "does not meet the password policy")]
                ) from failure
            raise _throttled(failure) or errors.BadRequest(failure.detail) from failure
        self._create_profile_or_roll_back(user_id, request)
        return {
            "userId": user_id,
            "email": request.email,
            "message": "Registration successful. Check your email for a verification code.",
        }

    def _create_profile_or_roll_back(self, user_id: str, request: RegisterRequest) -> None:
        try:
            self._profiles.create(
                new_profile(user_id, request.email, request.first_name, request.last_name)
            )
        except Exception:
            # No half-made accounts: a Cognito user without a profile is removed again.
            try:
                self._identity.delete_user(request.email)
            except Exception:
                logger.exception("registration rollback failed", extra={"user_id": user_id})
            raise

    def login(self, request: LoginRequest) -> dict[str, Any]:
        try:
            outcome = self._identity.password_login(request.email, request.password)
        except IdentityFailure as failure:
            raise self._login_failure(failure) from failure
        if isinstance(outcome, MfaChallenge):
            token = mfa_session.seal(self._session_key(), request.email, outcome.session)
            return {"sessionToken": token, "mfaRequired": True, "tokenType": TOKEN_TYPE}
        return self._signed_in(outcome)

    def _login_failure(self, failure: IdentityFailure) -> errors.AppError:
        if failure.kind in {Failure.NOT_AUTHORIZED, Failure.USER_NOT_FOUND}:
            return _invalid_credentials()
        if failure.kind is Failure.NOT_CONFIRMED:
            return errors.Forbidden(
                "Verify your email address before signing in.", code="ACCOUNT_NOT_VERIFIED"
            )
        if failure.kind is Failure.PASSWORD_RESET_REQUIRED:
            return errors.Forbidden(
                "Reset your password before signing in.", code="PASSWORD_RESET_REQUIRED"
            )
        return _throttled(failure) or _invalid_credentials()

    def complete_mfa_login(self, request: MfaLoginRequest) -> dict[str, Any]:
        try:
            email, session = mfa_session.unseal(self._session_key(), request.session_token)
        except mfa_session.InvalidSession as exc:
            raise _invalid_session() from exc
        except mfa_session.ExpiredSession as exc:
            raise _session_expired() from exc
        try:
            tokens = self._identity.answer_mfa_challenge(email, session, request.code)
        except IdentityFailure as failure:
            if failure.kind is Failure.CODE_MISMATCH:
                raise errors.Unauthorized(
                    "The code is not valid.", code="INVALID_MFA_CODE"
                ) from failure
            raise _throttled(failure) or _session_expired() from failure
        if not _tokens_belong_to(tokens, email):
            # Whatever Cognito answered, nobody receives tokens of an account other than the
            # one that started this login.
            logger.warning("MFA answer for another account refused")
            raise _invalid_session()
        return self._signed_in(tokens)

    def _signed_in(self, tokens: Tokens) -> dict[str, Any]:
        return {
            "accessToken": tokens.access_token,
            "refreshToken": tokens.refresh_token,
            "idToken": tokens.id_token,
            "tokenType": TOKEN_TYPE,
            "expiresIn": tokens.expires_in,
            "user": self._profile_after_sign_in(tokens),
        }

    def _profile_after_sign_in(self, tokens: Tokens) -> dict[str, Any]:
        user_id = str(_claims_from_cognito(tokens.access_token)["sub"])
        profile = self._profiles.get(user_id)
        if profile is None:
            # Heals an account whose profile write was lost: Cognito is the source of truth.
            claims = _claims_from_cognito(tokens.id_token)
            profile = new_profile(
                user_id,
                str(claims.get("email", "")),
                str(claims.get("given_name", "")),
                str(claims.get("family_name", "")),
            )
            self._profiles.create(profile)
        if not profile.email_verified:
            # Cognito signs in confirmed accounts only, so the address is verified by now.
            profile = (
                self._profiles.update(user_id, UpdateBuilder().set("emailVerified", value=True))
                or profile
            )
        return present_profile(profile)

    def refresh(self, request: RefreshRequest) -> dict[str, Any]:
        try:
            tokens = self._identity.refresh(request.refresh_token)
        except IdentityFailure as failure:
            detail = failure.detail.lower()
            if "revoked" in detail:
                code, message = "TOKEN_REVOKED", "The refresh token has been revoked."
            elif "expired" in detail:
                code, message = "TOKEN_EXPIRED", "The refresh token has expired."
            else:
                code, message = "INVALID_TOKEN", "The refresh token is not valid."
            raise _throttled(failure) or errors.Unauthorized(message, code=code) from failure
        return {
            "accessToken": tokens.access_token,
            "idToken": tokens.id_token,
            "tokenType": TOKEN_TYPE,
            "expiresIn": tokens.expires_in,
        }

    def verify_email(self, request: VerifyEmailRequest) -> dict[str, str]:
        email, code = split_email_code(request.token)
        try:
            self._identity.confirm_sign_up(email, code)
        except IdentityFailure as failure:
            already_verified = (
                failure.kind is Failure.NOT_AUTHORIZED and "CONFIRMED" in failure.detail.upper()
            )
            if not already_verified:
                raise _throttled(failure) or _invalid_token() from failure
        return {"message": "Your email address is verified. You can sign in now."}

    def resend_verification(self, request: EmailRequest) -> dict[str, str]:
        email = request.email
        self._quietly(self._identity.resend_confirmation, email)
        return {"message": CODE_SENT}

    def request_password_reset(self, request: EmailRequest) -> dict[str, str]:
        email = request.email
        self._quietly(self._identity.forgot_password, email)
        return {"message": CODE_SENT}

    def _quietly(self, send_code: Any, email: str) -> None:
        """Send a code, answering the same whether or not the account exists."""
        try:
            send_code(email)
        except IdentityFailure as failure:
            throttled = _throttled(failure)
            if throttled:
                raise throttled from failure

    def confirm_password_reset(self, request: ResetConfirmRequest) -> dict[str, str]:
        email, code = split_email_code(request.token)
        try:
            self._identity.confirm_forgot_password(email, code, request.new_password)
        except IdentityFailure as failure:
            if failure.kind is Failure.INVALID_PASSWORD:
                raise errors.ValidationFailed(
                    [FieldError("newPassword", "does not meet the password policy")]
                ) from failure
            raise _throttled(failure) or _invalid_token() from failure
        return {"message": "Your password has been changed. You can sign in now."}

    def sign_out_everywhere(self, user_id: str, access_token: str) -> dict[str, Any]:
        self._identity_call(self._identity.sign_out_everywhere, access_token)
        logger.info("signed out everywhere", extra={"user_id": user_id})
        return {"signedOut": True, "message": SIGNED_OUT}

    def change_password(
        self, user_id: str, access_token: str, request: PasswordChangeRequest
    ) -> dict[str, Any]:
        """Change the password, then sign out every session, this one included: a password
        is changed when it may be known to someone else, whose sessions must end with it
        (Cognito cannot revoke all refresh tokens but one)."""
        try:
            self._identity.change_password(access_token, request.old_password, request.new_password)
        except IdentityFailure as failure:
            raise _password_change_failure(failure) from failure
        try:
            self._identity.sign_out_everywhere(access_token)
        except Exception as exc:
            # The password is changed (a retry would be refused as a wrong old password), so
            # any failure here is told, not raised: the client can sign out everywhere itself.
            # Only the error's type is logged: an emulator's message may carry the token.
            logger.warning(
                "sign-out after a password change failed",
                extra={"user_id": user_id, "error": type(exc).__name__},
            )
            return {
                "signedOut": False,
                "message": "Your password has been changed, but other sessions could not be "
                "signed out; sign out everywhere to end them.",
            }
        logger.info("password changed; signed out everywhere", extra={"user_id": user_id})
        return {
            "signedOut": True,
            "message": "Your password has been changed and every session is signed out. "
            "Sign in again with the new password.",
        }

    def start_mfa_setup(self, user_id: str, access_token: str) -> dict[str, str]:
        profile = self._existing_profile(user_id)
        secret = self._identity_call(self._identity.start_software_token, access_token)
        self._profiles.update(user_id, UpdateBuilder().set("mfaPendingSecret", value=secret))
        label = urllib.parse.quote(f"{TOTP_ISSUER}:{profile.email}")
        query = urllib.parse.urlencode({"secret": secret, "issuer": TOTP_ISSUER})
        return {"secret": secret, "qrCodeUrl": f"otpauth://totp/{label}?{query}"}

    def finish_mfa_setup(
        self, user_id: str, access_token: str, request: MfaCodeRequest
    ) -> dict[str, bool]:
        code = request.code
        profile = self._existing_profile(user_id)
        if not profile.mfa_pending_secret:
            raise errors.BusinessRuleViolation("Start MFA setup first.", code="MFA_NOT_STARTED")
        try:
            self._identity.verify_software_token(access_token, code)
        except IdentityFailure as failure:
            raise _throttled(failure) or errors.BadRequest(
                "The code is not valid.", code="INVALID_CODE"
            ) from failure
        self._switch_mfa(
            user_id,
            access_token,
            True,
            UpdateBuilder()
            .set("mfaSecret", value=profile.mfa_pending_secret)
            .remove("mfaPendingSecret")
            .set("mfaEnabled", value=True),
        )
        return {"enabled": True, "mfaEnabled": True}

    def disable_mfa(
        self, user_id: str, access_token: str, request: MfaCodeRequest
    ) -> dict[str, bool]:
        code = request.code
        profile = self._existing_profile(user_id)
        secret = profile.mfa_secret
        if not profile.mfa_enabled or not secret:
            raise errors.BusinessRuleViolation("MFA is not enabled.", code="MFA_NOT_ENABLED")
        if not totp.matches(secret, code):
            raise errors.BadRequest("The code is not valid.", code="INVALID_CODE")
        self._switch_mfa(
            user_id,
            access_token,
            False,
            UpdateBuilder().remove("mfaSecret").set("mfaEnabled", value=False),
        )
        return {"enabled": False, "mfaEnabled": False}

    def _switch_mfa(
        self, user_id: str, access_token: str, enabled: bool, profile_change: UpdateBuilder
    ) -> None:
        """Switch MFA in Cognito, then record it on the profile; if the profile write fails,
        switch Cognito back, so sign-in never asks for a code the profile cannot turn off."""
        self._identity_call(self._identity.set_software_token_mfa, access_token, enabled)
        try:
            if self._profiles.update(user_id, profile_change) is None:
                raise errors.NotFound("The profile was not found.", code="PROFILE_NOT_FOUND")
        except Exception:
            try:
                self._identity.set_software_token_mfa(access_token, not enabled)
            except Exception:
                logger.exception("MFA rollback failed", extra={"user_id": user_id})
            raise

    def confirm_account_locally(self, email: str) -> None:
        """The developer command's way to verify an account: there is no email locally."""
        if not self._dev_tools_enabled:
            raise errors.Forbidden("Developer tools are available in the local stage only.")
        try:
            self._identity.confirm_user(email)
        except IdentityFailure as failure:
            raise errors.NotFound("No account is registered with this email.") from failure

    def _existing_profile(self, user_id: str) -> Profile:
        profile = self._profiles.get(user_id)
        if profile is None:
            raise errors.NotFound("The profile was not found.", code="PROFILE_NOT_FOUND")
        return profile

    def _identity_call(self, operation: Any, *args: Any) -> Any:
        try:
            return operation(*args)
        except IdentityFailure as failure:
            raise _throttled(failure) or errors.Unauthorized(
                "The identity provider refused the request."
            ) from failure

"""Account deletion: the request (`DELETE /users/me`), its status, and the job that erases.

The request confirms the password with the identity provider, records the job, disables the
Cognito user and revokes its refresh tokens, and queues the job (account deletion's SQS
queue, handled by app.py's `erase_accounts`). Nothing is erased during the request: the job
erases in steps (account/eraser.py), and sends itself a continuation when its time runs low.

The job runs twice over the data. The first pass erases everything, then deletes the Cognito
user, so the address can register again at once. An access token issued before the request
still verifies until it expires (at most 60 minutes), and could still write; so a final
sweep runs once the last such token has expired (`Settings.deletion_sweep_seconds` after the
request) and erases whatever was written meanwhile. Only then is the job `completed`, and its
record forgets the user's id and address.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.account.eraser import Eraser
from chalicelib.account.jobs import IN_PROGRESS, DeletionJob, DeletionJobs, subject_of
from chalicelib.account.models import AccountDeletionRequest
from chalicelib.core import errors
from chalicelib.core.clock import to_iso, utc_now
from chalicelib.core.logging import logger
from chalicelib.users.identity_provider import CognitoIdentityProvider, Failure, IdentityFailure
from chalicelib.users.repository import ProfileRepository

STATUS_PATH = "/users/me/deletion"
# A run stops this long before its time limit: one step (a page of 100 deletes, a transaction)
# takes far less, and the continuation message must still be sent.
STOP_MARGIN_MS = 60_000


@dataclass(frozen=True)
class Continue:
    """Run again at once (the time ran low)."""


@dataclass(frozen=True)
class Later:
    """Run again in `seconds` (the final sweep is not due yet)."""

    seconds: int


@dataclass(frozen=True)
class Done:
    pass


Outcome = Continue | Later | Done
# Sends the job's message: (subject, delay in seconds).
Enqueue = Callable[[str, int], None]


def _wrong_password() -> errors.AppError:
    # Not 401: the web client reads 401 as an expired session and signs the user out.
    return errors.Forbidden(
        "The password is not correct; the account was not deleted.", code="INCORRECT_PASSWORD"
    )


def present_job(job: DeletionJob) -> dict[str, Any]:
    return {
        "status": job.status,
        "requestedAt": job.requested_at,
        "dataErasedAt": job.data_erased_at,
        "completedAt": job.completed_at,
        "statusUrl": STATUS_PATH,
    }


class AccountDeletionService:
    def __init__(
        self,
        identity: CognitoIdentityProvider,
        profiles: ProfileRepository,
        jobs: DeletionJobs,
        erasers: Callable[[Callable[[], bool]], Eraser],
        enqueue: Enqueue,
        *,
        sweep_seconds: int,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        self._identity = identity
        self._profiles = profiles
        self._jobs = jobs
        self._erasers = erasers  # an eraser that stops when asked to
        self._enqueue = enqueue
        self._sweep_seconds = sweep_seconds
        self._now = now

    def request(self, user_id: str, request: AccountDeletionRequest) -> dict[str, Any]:
        subject = subject_of(user_id)
        job = self._jobs.get(subject)
        if job is None:
            profile = self._profiles.get(user_id)
            if profile is None or not profile.email:
                raise errors.NotFound("The profile was not found.", code="PROFILE_NOT_FOUND")
            self._check_password(profile.email, request.password)
            job = self._jobs.create(
                DeletionJob(
                    subject=subject,
                    status=IN_PROGRESS,
                    requested_at=to_iso(self._now()),
                    user_id=user_id,
                    email=profile.email.strip().lower(),
                )
            )
        # A repeated request (its answer was lost, or a step below failed) finds the job and
        # does the rest again: each step may run twice. The password cannot be checked again:
        # the account is disabled, and this token's owner confirmed it the first time.
        if not job.is_completed:
            self._identity_step(self._identity.disable_user, user_id)
            self._identity_step(self._identity.revoke_refresh_tokens, user_id)
            self._enqueue(subject, 0)
            logger.info("account deletion requested", extra={"user_id": user_id})
        return present_job(job)

    def status(self, user_id: str) -> dict[str, Any]:
        job = self._jobs.get(subject_of(user_id))
        if job is None:
            raise errors.NotFound("No deletion was requested.", code="DELETION_NOT_FOUND")
        return present_job(job)

    def _check_password(self, email: str, password: str) -> None:
        try:
            self._identity.password_login(email, password)  # an MFA challenge: password right
        except IdentityFailure as failure:
            if failure.kind is Failure.LIMIT_EXCEEDED:
                raise errors.TooManyRequests(
                    "Too many attempts; try again later.", retry_after=60
                ) from failure
            if failure.kind in {Failure.NOT_AUTHORIZED, Failure.USER_NOT_FOUND}:
                raise _wrong_password() from failure
            raise errors.ServiceUnavailable("The identity provider is unavailable.") from failure

    def _identity_step(self, operation: Callable[[str], None], user_id: str) -> None:
        try:
            operation(user_id)
        except IdentityFailure as failure:
            if failure.kind is not Failure.USER_NOT_FOUND:  # gone already: nothing to stop
                raise errors.ServiceUnavailable(
                    "The identity provider is unavailable."
                ) from failure

    # The job.

    def resume(self, subject: str, remaining_ms: Callable[[], int]) -> Outcome:
        """One queue message's run of the job `subject`, until `STOP_MARGIN_MS` before the
        time limit; then queue what comes next."""
        outcome = self.run(subject, lambda: remaining_ms() < STOP_MARGIN_MS)
        if isinstance(outcome, Continue):
            self._enqueue(subject, 0)
        elif isinstance(outcome, Later):
            self._enqueue(subject, outcome.seconds)
        return outcome

    def run(self, subject: str, should_stop: Callable[[], bool]) -> Outcome:
        """One run of the job: as far as it gets before `should_stop`, and what comes next."""
        job = self._jobs.get(subject)
        if job is None or job.is_completed or job.user_id is None:
            return Done()  # unknown, expired or finished: running again changes nothing
        eraser = self._erasers(should_stop)
        user_id = job.user_id
        if job.data_erased_at is None:
            if not eraser.erase(user_id, job.email):
                return self._continued(eraser)
            self._delete_identity(user_id)
            self._jobs.mark_data_erased(subject, to_iso(self._now()))
            logger.info("account data erased", extra={"items_deleted": eraser.deleted})
        due = job.sweep_due(self._sweep_seconds)
        now = self._now()
        if now < due:
            return Later(max(1, int((due - now).total_seconds()) + 1))
        if not eraser.erase(user_id, job.email):
            return self._continued(eraser)
        self._delete_identity(user_id)
        self._jobs.complete(subject, self._now())
        logger.info("account deletion completed", extra={"items_deleted": eraser.deleted})
        return Done()

    def _continued(self, eraser: Eraser) -> Continue:
        logger.info("account deletion continues", extra={"items_deleted": eraser.deleted})
        return Continue()

    def _delete_identity(self, user_id: str) -> None:
        # By id: the address may already belong to a new account.
        self._identity.delete_user_by_id(user_id)

"""Account deletion's rules on the service, with in-memory fakes for Cognito, the profile, the
job record, the queue and the eraser: the confirmation, what a request does and in which
order, a repeated request, and how the job's runs proceed (continue, wait for the sweep,
finish, and nothing on a finished or unknown job). The erasing itself runs on DynamoDB Local
(tests/e2e/test_account_deletion_journey.py)."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.account.deletion_service import AccountDeletionService, Continue, Done, Later
from chalicelib.account.jobs import COMPLETED, DeletionJob, subject_of
from chalicelib.account.messages import (
    DeletionMessage,
    ExportMessage,
    ImportMessage,
    export_message,
    import_message,
    message_for,
)
from chalicelib.account.messages import parse as parse_message
from chalicelib.account.models import AccountDeletionRequest
from chalicelib.core.clock import to_iso
from chalicelib.core.errors import AppError
from chalicelib.core.validation import parse
from chalicelib.users.models import RegisterRequest
from tests.helpers import STRONG_PASSWORD, new_user

SWEEP = 3900
START = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)


class FakeJobs:
    def __init__(self) -> None:
        self.jobs: dict[str, DeletionJob] = {}

    def get(self, subject: str) -> DeletionJob | None:
        return self.jobs.get(subject)

    def create(self, job: DeletionJob) -> DeletionJob:
        return self.jobs.setdefault(job.subject, job)

    def mark_data_erased(self, subject: str, at: str) -> None:
        job = self.jobs[subject]
        self.jobs[subject] = replace(job, data_erased_at=job.data_erased_at or at)

    def complete(self, subject: str, at: datetime) -> None:
        job = self.jobs[subject]
        self.jobs[subject] = replace(
            job, status=COMPLETED, completed_at=to_iso(at), user_id=None, email=None
        )


class FakeEraser:
    """Erases in `steps` steps; stops when asked to before each one."""

    def __init__(self, world: "World", should_stop) -> None:
        self.world, self.should_stop, self.deleted = world, should_stop, 0

    def erase(self, user_id: str, email: str | None) -> bool:
        while self.world.left.get(user_id, 0) > 0:
            if self.should_stop():
                return False
            self.world.left[user_id] -= 1
            self.deleted += 1
        self.world.passes.append(user_id)
        return True


class World:
    def __init__(self, identity, profiles) -> None:
        self.identity, self.profiles, self.jobs = identity, profiles, FakeJobs()
        self.sent: list[tuple[str, int]] = []
        self.left: dict[str, int] = {}
        self.passes: list[str] = []
        self.now = START
        self.service = AccountDeletionService(
            identity,
            profiles,
            self.jobs,  # type: ignore[arg-type]
            lambda should_stop: FakeEraser(self, should_stop),  # type: ignore[arg-type,return-value]
            lambda subject, delay: self.sent.append((subject, delay)),
            sweep_seconds=SWEEP,
            now=lambda: self.now,
        )


@pytest.fixture
def world(identity, profiles, auth_service) -> World:
    return World(identity, profiles)


def _account(world: World, auth_service, email: str = "ada@example.com") -> str:
    user_id = auth_service.register(parse(RegisterRequest, new_user(email)))["userId"]
    world.identity.confirm_user(email)
    world.left[user_id] = 5
    return str(user_id)


def _delete(world: World, user_id: str, password: str = STRONG_PASSWORD):
    return world.service.request(user_id, AccountDeletionRequest(password=password))


def test_a_wrong_password_is_403_and_changes_nothing(world, auth_service):
    user_id = _account(world, auth_service)
    with pytest.raises(AppError) as refused:
        _delete(world, user_id, "not the password")
    assert (refused.value.status, refused.value.code) == (403, "INCORRECT_PASSWORD")
    assert world.jobs.jobs == {}
    assert world.sent == []
    account = world.identity.accounts["ada@example.com"]
    assert not account.get("disabled")
    assert not account.get("revoked")


def test_a_request_records_the_job_disables_revokes_and_queues(world, auth_service):
    user_id = _account(world, auth_service)
    answer = _delete(world, user_id)
    assert answer["status"] == "in_progress"
    assert answer["statusUrl"] == "/users/me/deletion"
    job = world.jobs.jobs[subject_of(user_id)]
    assert (job.user_id, job.email) == (user_id, "ada@example.com")
    account = world.identity.accounts["ada@example.com"]
    assert account["disabled"] is True
    assert account["revoked"] == 1
    assert world.sent == [(subject_of(user_id), 0)]
    # The message names the job by its digest: no id, no address.
    assert user_id not in str(message_for(subject_of(user_id)))


def test_asking_again_is_the_same_job_without_a_password(world, auth_service):
    user_id = _account(world, auth_service)
    first = _delete(world, user_id)
    again = _delete(world, user_id, "anything: the account is disabled")
    assert again == first
    assert len(world.jobs.jobs) == 1
    assert len(world.sent) == 2  # queued again: a lost message is sent once more


def test_an_account_with_mfa_confirms_with_its_password_alone(world, auth_service):
    user_id = _account(world, auth_service)
    world.identity.accounts["ada@example.com"]["mfa"] = True
    assert _delete(world, user_id)["status"] == "in_progress"


def test_the_job_continues_waits_for_the_sweep_and_completes(world, auth_service):
    user_id = _account(world, auth_service)
    _delete(world, user_id)
    subject = subject_of(user_id)
    budget = iter(range(2))
    assert world.service.run(subject, lambda: next(budget, None) is None) == Continue()
    assert world.left[user_id] == 3
    assert "ada@example.com" in world.identity.accounts  # not deleted before the data
    outcome = world.service.run(subject, lambda: False)
    assert outcome == Later(SWEEP + 1)
    assert "ada@example.com" not in world.identity.accounts  # the address is free
    assert world.jobs.jobs[subject].data_erased_at == to_iso(START)
    # A write with a still-valid token before the sweep: the sweep erases it.
    world.left[user_id] = 1
    world.now = START + timedelta(seconds=SWEEP - 10)
    assert world.service.run(subject, lambda: False) == Later(11)
    world.now = START + timedelta(seconds=SWEEP)
    assert world.service.run(subject, lambda: False) == Done()
    assert world.left[user_id] == 0
    job = world.jobs.jobs[subject]
    assert (job.status, job.user_id, job.email) == (COMPLETED, None, None)
    # Running again changes nothing.
    passes = list(world.passes)
    assert world.service.run(subject, lambda: False) == Done()
    assert world.passes == passes


def test_resume_queues_what_comes_next(world, auth_service):
    user_id = _account(world, auth_service)
    _delete(world, user_id)
    world.sent.clear()
    subject = subject_of(user_id)
    assert world.service.resume(subject, lambda: 1_000) == Continue()
    assert world.sent == [(subject, 0)]  # time ran low: a continuation at once
    world.sent.clear()
    assert world.service.resume(subject, lambda: 900_000) == Later(SWEEP + 1)
    assert world.sent == [(subject, SWEEP + 1)]  # the queue clamps the delay to 15 minutes
    world.sent.clear()
    assert world.service.resume("0" * 64, lambda: 900_000) == Done()  # no such job
    assert world.sent == []


def test_a_message_names_one_job_of_one_kind_or_nothing():
    subject = subject_of("3f1c2a44-1111-4222-8333-444455556666")
    assert parse_message(json.dumps(message_for(subject))) == DeletionMessage(subject)
    assert parse_message(json.dumps(export_message(subject))) == ExportMessage(subject)
    assert parse_message(json.dumps(import_message(subject))) == ImportMessage(subject)
    for body in (
        "",
        "[]",
        '{"deletion": "../x"}',
        '{"deletion": 5}',
        "not json",
        "null",
        f'{{"erase": "{subject}"}}',  # an unknown kind
        f'{{"deletion": "{subject}", "export": "{subject}"}}',  # two kinds: which one?
        "{}",
    ):
        assert parse_message(body) is None


def test_the_status_is_the_callers_own(world, auth_service):
    ada = _account(world, auth_service)
    bob = _account(world, auth_service, "bob@example.com")
    _delete(world, ada)
    assert world.service.status(ada)["status"] == "in_progress"
    with pytest.raises(AppError) as missing:
        world.service.status(bob)
    assert (missing.value.status, missing.value.code) == (404, "DELETION_NOT_FOUND")

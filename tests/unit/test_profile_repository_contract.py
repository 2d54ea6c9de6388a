"""One contract, two profile repositories: the real one (on moto here, on DynamoDB Local in
tests/integration) and the in-memory fake the service tests use (tests/service/fakes.py).
Where the fake would answer differently, a service test could pass that fails in production."""

from dataclasses import replace

import pytest

from chalicelib.core.dynamo import UpdateBuilder
from chalicelib.users.profile import Notifications, Profile
from chalicelib.users.repository import ProfileAlreadyExists, ProfileRepository
from chalicelib.users.service import new_profile
from tests.service.fakes import FakeProfileRepository


@pytest.fixture(params=["real", "fake"])
def repository(request):
    if request.param == "real":
        request.getfixturevalue("aws")
        return ProfileRepository()
    return FakeProfileRepository()


def test_a_profile_is_created_once_and_read_back(repository):
    profile = new_profile("u1", "ada@example.com", "Ada", "Lovelace")
    repository.create(profile)
    assert repository.get("u1") == profile
    with pytest.raises(ProfileAlreadyExists):
        repository.create(replace(profile, first_name="Other"))
    assert repository.get("u1") == profile
    assert repository.get("u2") is None


def test_an_update_sets_and_removes_paths_and_answers_the_new_profile(repository):
    repository.create(
        replace(
            new_profile("u1", "ada@example.com", "Ada", "Lovelace"), phone_number="+14155550123"
        )
    )
    changed = repository.update(
        "u1",
        UpdateBuilder()
        .set("firstName", value="Augusta")
        .set("preferences", "notifications", "push", value=True)
        .set("preferences", "units", value="imperial")
        .remove("phoneNumber"),
    )
    assert changed is not None
    assert changed.first_name == "Augusta"
    assert changed.preferences.notifications == Notifications(email=True, push=True, sms=False)
    assert changed.preferences.units == "imperial"
    assert changed.phone_number is None
    assert repository.get("u1") == changed


def test_an_update_of_no_profile_is_none_and_creates_nothing(repository):
    assert repository.update("u1", UpdateBuilder().set("firstName", value="Ada")) is None
    assert repository.get("u1") is None


def test_an_update_through_a_missing_map_changes_nothing(repository):
    profile = new_profile("u1", "ada@example.com", "Ada", "Lovelace")
    repository.create(profile)
    with pytest.raises(Exception):  # noqa: B017, PT011 (DynamoDB's ClientError, the fake's ValueError)
        repository.update(
            "u1", UpdateBuilder().set("firstName", value="Augusta").set("missing", "child", value=1)
        )
    assert repository.get("u1") == profile


def test_a_profile_reads_back_typed_with_its_mfa_secrets_and_unchanged_fields(repository):
    profile = replace(
        new_profile("u1", "ada@example.com", "Ada", "Lovelace"),
        day_start_hour=5,
        date_of_birth="1990-02-03",
        mfa_pending_secret="PENDING",
    )
    repository.create(profile)
    read = repository.get("u1")
    assert isinstance(read, Profile)
    assert read == profile
    changed = repository.update(
        "u1",
        UpdateBuilder()
        .set("mfaSecret", value="PENDING")
        .remove("mfaPendingSecret")
        .set("mfaEnabled", value=True),
    )
    assert changed == replace(
        profile, mfa_secret="PENDING", mfa_pending_secret=None, mfa_enabled=True
    )

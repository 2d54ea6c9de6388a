"""The stack's state moved out of the project: a checkout's old `.local/` data moves with it."""

import signal
from pathlib import Path
from typing import Any

import pytest

from scripts import local_stack
from scripts.local_stack import (
    COGNITO_STATE_NAME,
    DYNAMODB_DATA_NAME,
    StackError,
    migrate_legacy_state,
)


def _legacy_checkout(tmp_path: Path) -> Path:
    legacy = tmp_path / "project" / ".local"
    (legacy / DYNAMODB_DATA_NAME).mkdir(parents=True)
    (legacy / DYNAMODB_DATA_NAME / "shared-local-instance.db").write_bytes(b"goals")
    (legacy / COGNITO_STATE_NAME).write_bytes(b"users")
    (legacy / "dynamodb-local").mkdir()  # the download stays in the project
    return legacy


def test_old_data_and_accounts_move_to_the_state_folder_and_the_developer_is_told(
    tmp_path: Path,
) -> None:
    legacy = _legacy_checkout(tmp_path)
    state = tmp_path / "state" / "ai-lifestyle-api" / "project-0123456789"

    notes = migrate_legacy_state(legacy, state)

    assert (state / DYNAMODB_DATA_NAME / "shared-local-instance.db").read_bytes() == b"goals"
    assert (state / COGNITO_STATE_NAME).read_bytes() == b"users"
    assert sorted(path.name for path in legacy.iterdir()) == ["dynamodb-local"]
    assert [note.split(" to ")[0] for note in notes] == [
        f"Moved {legacy / DYNAMODB_DATA_NAME}",
        f"Moved {legacy / COGNITO_STATE_NAME}",
    ]
    assert migrate_legacy_state(legacy, state) == []  # said once: the next start is quiet


def test_state_already_in_the_state_folder_is_never_replaced(tmp_path: Path) -> None:
    legacy = _legacy_checkout(tmp_path)
    state = tmp_path / "state"
    (state / DYNAMODB_DATA_NAME).mkdir(parents=True)
    (state / COGNITO_STATE_NAME).write_bytes(b"newer users")

    notes = migrate_legacy_state(legacy, state)

    assert (state / COGNITO_STATE_NAME).read_bytes() == b"newer users"
    assert list((state / DYNAMODB_DATA_NAME).iterdir()) == []
    assert (legacy / COGNITO_STATE_NAME).read_bytes() == b"users"
    assert len(notes) == 2
    assert all(note.startswith("Left ") for note in notes)


def test_a_checkout_without_old_state_creates_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state"

    assert migrate_legacy_state(tmp_path / "project" / ".local", state) == []
    assert not state.exists()


def _serve_until_the_stack_starts(monkeypatch: pytest.MonkeyPatch, legacy: Path) -> None:
    """`make stack` up to the point where the services would start (they fail here)."""

    def fail(self: Any) -> None:
        raise StackError("not started in a unit test")

    monkeypatch.setattr(local_stack, "LOCAL_DIR", legacy)
    monkeypatch.setattr(local_stack.LocalStack, "start", fail)
    monkeypatch.setattr(signal, "signal", lambda *args: None)
    assert local_stack.serve(None, 0, 0) == 1


def test_make_stack_moves_the_checkouts_old_state_into_its_default_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    legacy = _legacy_checkout(tmp_path)
    monkeypatch.delenv("LOCAL_STACK_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))

    _serve_until_the_stack_starts(monkeypatch, legacy)

    [moved] = (tmp_path / "state" / "ai-lifestyle-api").iterdir()
    assert (moved / COGNITO_STATE_NAME).read_bytes() == b"users"
    assert not (legacy / COGNITO_STATE_NAME).exists()


def test_a_stack_in_a_folder_of_its_own_never_takes_the_checkouts_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    legacy = _legacy_checkout(tmp_path)
    monkeypatch.setenv("LOCAL_STACK_DIR", str(tmp_path / "tests"))  # as the tests run it

    _serve_until_the_stack_starts(monkeypatch, legacy)

    assert (legacy / COGNITO_STATE_NAME).read_bytes() == b"users"
    assert (legacy / DYNAMODB_DATA_NAME / "shared-local-instance.db").read_bytes() == b"goals"

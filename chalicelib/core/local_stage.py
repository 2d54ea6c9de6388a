"""The local stage talks to the local stack, and never to AWS.

`make stack` (and `make run`) write the running stack's endpoints, ids and dummy credentials to
``stack.env`` and its process id to ``stack.pid`` in the stack's state folder (``stack_dir()``,
outside the project). Plain ``chalice local --stage local`` is handed none of that, so on the
local stage every request first looks for the running stack there and takes its settings from
that file. Until a stack is running, requests are answered 503 with the fix, before anything
could call AWS with whatever credentials the developer's shell happens to hold.

A process that was handed a stack's environment (`make run` starts chalice local so, and so
do the tests) uses it as given. Unit tests, whose AWS calls moto intercepts in-process, say so
with ``AWS_MOCKED_IN_PROCESS=true``.
"""

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from chalicelib.core.config import get_settings

STACK_NOT_RUNNING = "The local stack is not running: start it with `make stack`."
# Without these the local stage would fall through to AWS's own endpoints (or fail oddly).
REQUIRED = (
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_S3",
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
)
PROJECT_ROOT = Path(__file__).resolve().parents[2]
STATE_FOLDER_NAME = "ai-lifestyle-api"

# What this process took from the stack's file, to notice when the file changes.
_taken: dict[str, str] = {}
# What forgets the settings, clients and services built before a new stack was found. The
# wiring (the app's layer, which core cannot import) adds its reset when it is imported.
_forgetters: list[Callable[[], None]] = []


def forget_on_new_stack(forget: Callable[[], None]) -> None:
    """Call `forget` whenever this process takes a new stack's settings."""
    if forget not in _forgetters:
        _forgetters.append(forget)


def stack_dir() -> Path:
    """Where the stack keeps what changes while it runs: ``stack.env``, ``stack.pid``, its
    data, Cognito state and logs (``LOCAL_STACK_DIR``, else ``default_stack_dir``)."""
    override = os.environ.get("LOCAL_STACK_DIR")
    return Path(override) if override else default_stack_dir(PROJECT_ROOT)


def default_stack_dir(project_root: Path) -> Path:
    """``$XDG_STATE_HOME/ai-lifestyle-api/<checkout>-<hash of its path>``: one per checkout.

    Outside the project on purpose: Chalice's reloader watches every file under the project
    and would restart ``chalice local`` each time the stack writes a log line or a record.
    """
    state_home = os.environ.get("XDG_STATE_HOME", "")
    if not os.path.isabs(state_home):  # unset, or relative, which the XDG spec says to ignore
        state_home = str(Path.home() / ".local" / "state")
    digest = hashlib.sha256(str(project_root).encode()).hexdigest()[:10]
    return Path(state_home) / STATE_FOLDER_NAME / f"{project_root.name}-{digest}"


def read_stack_env(directory: Path) -> dict[str, str] | None:
    """The environment of the stack running from ``directory``; None if none is running."""
    try:
        pid = int((directory / "stack.pid").read_text().strip())
        text = (directory / "stack.env").read_text()
    except (OSError, ValueError):
        return None
    if not _process_alive(pid):
        return None  # a stack that was killed before it could remove its files
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def stack_missing() -> bool:
    """On the local stage: point this process at the running stack; True if there is none.

    Reads two small files per request, on the local stage only.
    """
    if get_settings().environment != "local" or _mocked_in_process():
        return False
    if not _taken and all(os.environ.get(name) for name in REQUIRED):
        return False  # handed a stack's environment by whoever started us
    stack_env = read_stack_env(stack_dir())
    if stack_env is None or not all(stack_env.get(name) for name in REQUIRED):
        return True
    if any(os.environ.get(name) != value for name, value in stack_env.items()):
        os.environ.update(stack_env)
    if stack_env != _taken:
        _taken.clear()
        _taken.update(stack_env)
        _forget_clients()
    return False


def _mocked_in_process() -> bool:
    return os.environ.get("AWS_MOCKED_IN_PROCESS", "").strip().lower() == "true"


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # it exists, it is just not ours to signal
    except OSError:
        return False
    return True


def _forget_clients() -> None:
    """Settings and clients made before now may point elsewhere: build them again."""
    for forget in _forgetters:
        forget()

"""The real local stack: DynamoDB Local, a moto server for Cognito, and ``chalice local``.

Importable (``LocalStack``, used by the integration tests) and runnable::

    python scripts/local_stack.py stack               # what `make stack` does: the stack alone
    python scripts/local_stack.py run [--port 8000]   # what `make run` does: stack + API
    python scripts/local_stack.py env                 # the environment of the running stack
    python scripts/local_stack.py where               # the folder of the stack's state

DynamoDB Local is AWS's own emulator, fetched from Maven Central once into ``.local/``. Without
Java it falls back to moto for DynamoDB too, unless ``require_dynamodb_local`` says otherwise.

Only that download, which never changes, lives in the project. What changes while the stack
runs (data, Cognito state, logs, ``stack.env``) lives in ``local_stage.stack_dir()``, outside
the project, because Chalice's reloader restarts ``chalice local`` on any change under it.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, TracebackType
from typing import IO, Any, Literal

import boto3
from botocore.config import Config

if __package__ in (None, ""):  # run as `python scripts/local_stack.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.core import local_stage
from scripts.resources import (
    data_bucket_name,
    deletion_queue_names,
    ensure_data_bucket,
    ensure_deletion_queue,
    ensure_table,
    ensure_user_pool,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCAL_DIR = REPO_ROOT / ".local"  # only the DynamoDB Local download, which never changes
DYNAMODB_DATA_NAME = "dynamodb-data"
COGNITO_STATE_NAME = "cognito-state.pickle"
COGNITO_SERVER = REPO_ROOT / "scripts" / "cognito_server.py"
DYNAMODB_LOCAL_POM = REPO_ROOT / "scripts" / "dynamodb-local" / "pom.xml"
DYNAMODB_LOCAL_LIB = LOCAL_DIR / "dynamodb-local" / "lib"
# DynamoDB Local 3.x moved from com.amazonaws.services.dynamodbv2 to this package.
DYNAMODB_LOCAL_MAIN = "software.amazon.dynamodb.services.local.main.ServerRunner"

REGION = "us-east-1"
USER_POOL_NAME = "ai-lifestyle-local"
USER_POOL_CLIENT_NAME = "ai-lifestyle-local-web"
DEFAULT_TABLE_NAME = "ai-lifestyle-local"
DELETION_QUEUE, DELETION_DEAD_LETTER_QUEUE = deletion_queue_names("local")
DATA_BUCKET = data_bucket_name("local")
# The verified SES identity goal reminders come from (moto's SES keeps what it sent).
REMINDER_SENDER = "reminders@ai-lifestyle.local"

RUN_API_PORT = 8000
RUN_DYNAMODB_PORT = 8001
RUN_COGNITO_PORT = 8002

STARTUP_TIMEOUT_SECONDS = 60.0
DOWNLOAD_TIMEOUT_SECONDS = 600.0
STOP_TIMEOUT_SECONDS = 10.0
PROBE_INTERVAL_SECONDS = 0.25

MOTO_ENV = {
    # Really check TOTP codes (against moto's fixed secret) instead of accepting any code.
    "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
    # Derive pool and client ids from their definitions, so they stay the same across restarts.
    "MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY": "HASH",
    "MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY": "HASH",
}
DynamoDBBackend = Literal["dynamodb-local", "moto"]
DYNAMODB_LOCAL_NAME = "DynamoDB Local"
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


class StackError(RuntimeError):
    """The local stack could not be started."""


class DynamoDBLocalUnavailable(StackError):
    """DynamoDB Local cannot run here (no Java, no Maven, or it failed to start)."""


@dataclass(frozen=True)
class StackInfo:
    dynamodb_endpoint: str
    cognito_endpoint: str
    table_name: str
    user_pool_id: str
    client_id: str
    region: str
    dynamodb_backend: DynamoDBBackend
    fallback_reason: str | None = None  # why DynamoDB Local is not used, if it is not


class ManagedProcess:
    """A child process in its own process group, logging to a file, that we must clean up."""

    def __init__(self, name: str, command: Sequence[str], log_path: Path, **popen: Any) -> None:
        self.name = name
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: IO[bytes] = log_path.open("wb")
        try:
            self.popen = subprocess.Popen(
                list(command),
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                # Own process group: Ctrl-C in the terminal reaches only us, we stop children in
                # order, and killing the group also kills grandchildren (chalice's reloader).
                start_new_session=True,
                preexec_fn=_die_with_parent,
                **popen,
            )
        except BaseException:
            self._log.close()
            raise

    def exited(self) -> bool:
        return self.popen.poll() is not None

    def stop(self) -> None:
        if not self.exited():
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.popen.wait(timeout=STOP_TIMEOUT_SECONDS)
        # The leader may be gone while a grandchild still lingers in its group.
        self._signal_group(signal.SIGKILL)
        self._log.close()

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signum)

    def log_tail(self, lines: int = 30) -> str:
        self._log.flush()
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def failure(self, what: str) -> StackError:
        code = self.popen.poll()
        status = "still running" if code is None else f"exit code {code}"
        return StackError(f"{self.name} {what} ({status}); log {self.log_path}:\n{self.log_tail()}")


def _die_with_parent() -> None:
    """Ask Linux to SIGTERM the child when we die, even by SIGKILL, so nothing is orphaned.

    Linux fires this when the *thread* that spawned the child ends, so start stacks from a
    thread that outlives them (the main thread, as pytest fixtures and the CLI do).
    """
    if not sys.platform.startswith("linux"):
        return
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


class LocalStack:
    """Starts DynamoDB Local (or moto), a moto server for Cognito, and optionally chalice local."""

    def __init__(
        self,
        *,
        dynamodb_port: int = 0,
        cognito_port: int = 0,
        data_dir: Path | None = None,
        cognito_state: Path | None = None,
        table_name: str = DEFAULT_TABLE_NAME,
        require_dynamodb_local: bool = False,
        log_dir: Path | None = None,  # default: logs/ in the stack's state folder
    ) -> None:
        self.dynamodb_port = dynamodb_port
        self.cognito_port = cognito_port
        self.data_dir = data_dir
        # Where the Cognito emulator keeps its pools and users across restarts (None: memory).
        self.cognito_state = cognito_state
        self.table_name = table_name
        self.require_dynamodb_local = require_dynamodb_local
        self.log_dir = log_dir or local_stage.stack_dir() / "logs"
        self._processes: list[ManagedProcess] = []
        self._info: StackInfo | None = None
        # Seals MFA session tokens (chalicelib/core/secrets.py): a new one per stack, so no
        # key is ever committed or shared; a restart only ends MFA sign-ins under way.
        self.session_token_secret = secrets.token_urlsafe(48)

    @property
    def info(self) -> StackInfo:
        if self._info is None:
            raise StackError("the local stack is not running; call start() first")
        return self._info

    def __enter__(self) -> LocalStack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> StackInfo:
        if self._info is not None:
            return self._info
        atexit.register(self.stop)
        try:
            self._info = self._start_services()
        except BaseException:
            self.stop()
            raise
        return self._info

    def stop(self) -> None:
        """Stop everything this stack started, newest first. Safe to call more than once."""
        for process in reversed(list(self._processes)):
            process.stop()
            # Forget a process only once it is stopped, so the atexit hook can retry the rest.
            self._processes.remove(process)
        self._info = None
        atexit.unregister(self.stop)

    def raise_if_crashed(self) -> None:
        """Raise StackError (with the log tail) if a service this stack started has exited."""
        for process in self._processes:
            if process.exited():
                raise process.failure("stopped unexpectedly")

    def env(self) -> dict[str, str]:
        """The environment the app needs to talk to this stack."""
        info = self.info
        return {
            "AWS_ENDPOINT_URL_DYNAMODB": info.dynamodb_endpoint,
            "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": info.cognito_endpoint,
            # moto serves SQS on the same port: the account-jobs queue (deletions, exports).
            "AWS_ENDPOINT_URL_SQS": info.cognito_endpoint,
            "ACCOUNT_DELETION_QUEUE": DELETION_QUEUE,
            # ... and S3: the account-data bucket (exports, import uploads).
            "AWS_ENDPOINT_URL_S3": info.cognito_endpoint,
            "ACCOUNT_DATA_BUCKET": DATA_BUCKET,
            # ... and SES: goal reminders (scripts/reminder_worker.py --sent shows them).
            "AWS_ENDPOINT_URL_SES": info.cognito_endpoint,
            "REMINDER_SENDER": REMINDER_SENDER,
            "AWS_DEFAULT_REGION": info.region,
            "AWS_REGION": info.region,
            "REGION": info.region,
            **DUMMY_CREDENTIALS,
            "TABLE_NAME": info.table_name,
            "COGNITO_USER_POOL_ID": info.user_pool_id,
            "COGNITO_CLIENT_ID": info.client_id,
            "SESSION_TOKEN_SECRET": self.session_token_secret,
        }

    def client(self, service: str) -> Any:
        """A boto3 client for ``dynamodb``, ``cognito-idp``, ``sqs``, ``s3`` or ``ses`` pointed
        at this stack."""
        endpoint = {
            "dynamodb": self.info.dynamodb_endpoint,
            "cognito-idp": self.info.cognito_endpoint,
            "sqs": self.info.cognito_endpoint,
            "s3": self.info.cognito_endpoint,
            "ses": self.info.cognito_endpoint,
        }[service]
        return _client(service, endpoint)

    def start_chalice_local(
        self,
        port: int,
        extra_env: dict[str, str] | None = None,
        *,
        autoreload: bool = True,
        project_dir: Path = REPO_ROOT,
    ) -> subprocess.Popen[bytes]:
        """Run ``chalice local`` against this stack and wait until it serves ``/health``."""
        command = [_venv_tool("chalice"), "local", "--stage", "local"]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        if not autoreload:
            command.append("--no-autoreload")
        process = self._spawn(
            "chalice local",
            command,
            "chalice-local.log",
            cwd=project_dir,
            env=os.environ | self.env() | (extra_env or {}),
        )
        url = f"http://127.0.0.1:{port}/health"
        try:
            _wait_until_ready(process, lambda: _http_answers(url))
        except StackError:
            self.stop_process(process.popen)  # a failed start must not look like a crash later
            raise
        return process.popen

    def start_deletion_worker(self) -> subprocess.Popen[bytes]:
        """The account jobs' local runner (scripts/deletion_worker.py): chalice local
        does not run SQS handlers."""
        command = [sys.executable, str(REPO_ROOT / "scripts" / "deletion_worker.py")]
        process = self._spawn(
            "deletion worker",
            command,
            "deletion-worker.log",
            cwd=REPO_ROOT,
            env=os.environ | self.env(),
        )
        return process.popen

    def start_reminder_worker(self) -> subprocess.Popen[bytes]:
        """The reminder schedule's local runner (scripts/reminder_worker.py): chalice local
        does not run `@app.schedule` functions."""
        command = [sys.executable, str(REPO_ROOT / "scripts" / "reminder_worker.py")]
        process = self._spawn(
            "reminder worker",
            command,
            "reminder-worker.log",
            cwd=REPO_ROOT,
            env=os.environ | self.env(),
        )
        return process.popen

    def stop_process(self, popen: subprocess.Popen[bytes]) -> None:
        """Stop one process this stack started (for example chalice local, to restart it)."""
        for process in list(self._processes):
            if process.popen is popen:
                process.stop()
                self._processes.remove(process)

    def stop_dynamodb(self) -> None:
        """Stop DynamoDB Local alone, as an outage would (for tests of the API meanwhile)."""
        for process in list(self._processes):
            if process.name == DYNAMODB_LOCAL_NAME:
                process.stop()
                self._processes.remove(process)

    def start_dynamodb(self) -> None:
        """Start DynamoDB Local again on its port after ``stop_dynamodb``; the table is made
        again if its data was in memory."""
        info = self.info
        if info.dynamodb_backend != "dynamodb-local":
            raise StackError("only DynamoDB Local can be stopped and started on its own")
        if any(process.name == DYNAMODB_LOCAL_NAME for process in self._processes):
            return
        endpoint = self._start_dynamodb_local()
        ensure_table(_client("dynamodb", endpoint), self.table_name)

    def _start_services(self) -> StackInfo:
        self.cognito_port = _resolve_port(self.cognito_port)
        moto = self._start_moto()
        dynamodb_endpoint, backend, reason = self._start_dynamodb()
        cognito_endpoint = _endpoint(self.cognito_port)
        _wait_until_ready(moto, lambda: _http_answers(f"{cognito_endpoint}/moto-api/"))

        ensure_table(_client("dynamodb", dynamodb_endpoint), self.table_name)
        pool_id, client_id = ensure_user_pool(
            _client("cognito-idp", cognito_endpoint), USER_POOL_NAME, USER_POOL_CLIENT_NAME
        )
        # Queues live in moto's memory: a restart makes them again, empty (see the README).
        ensure_deletion_queue(
            _client("sqs", cognito_endpoint), DELETION_QUEUE, DELETION_DEAD_LETTER_QUEUE
        )
        # So does S3 (exports and import uploads): empty again after a restart, like the queue.
        ensure_data_bucket(_client("s3", cognito_endpoint), DATA_BUCKET, REGION, tls_only=False)
        # And SES: the reminders' sender must be a verified identity, as deployed.
        _client("ses", cognito_endpoint).verify_email_identity(EmailAddress=REMINDER_SENDER)
        return StackInfo(
            dynamodb_endpoint=dynamodb_endpoint,
            cognito_endpoint=cognito_endpoint,
            table_name=self.table_name,
            user_pool_id=pool_id,
            client_id=client_id,
            region=REGION,
            dynamodb_backend=backend,
            fallback_reason=reason,
        )

    def _start_moto(self) -> ManagedProcess:
        command = [sys.executable, str(COGNITO_SERVER), "-H", "127.0.0.1"]
        command += ["-p", str(self.cognito_port)]
        if self.cognito_state is not None:
            command += ["--state", str(self.cognito_state)]
        return self._spawn("moto server", command, "moto.log", env=os.environ | MOTO_ENV)

    def _start_dynamodb(self) -> tuple[str, DynamoDBBackend, str | None]:
        """Start DynamoDB Local; returns (endpoint, backend, reason for falling back to moto)."""
        try:
            return self._start_dynamodb_local(), "dynamodb-local", None
        except DynamoDBLocalUnavailable as error:
            if self.require_dynamodb_local:
                raise
            self.dynamodb_port = self.cognito_port
            # moto serves every AWS service on its one endpoint.
            return _endpoint(self.cognito_port), "moto", str(error)

    def _start_dynamodb_local(self) -> str:
        java = shutil.which("java")
        if java is None:
            raise DynamoDBLocalUnavailable("`java` is not on PATH")
        lib_dir = fetch_dynamodb_local()
        self.dynamodb_port = _resolve_port(self.dynamodb_port)
        process = self._spawn(
            DYNAMODB_LOCAL_NAME,
            _dynamodb_local_command(java, lib_dir, self.dynamodb_port, self.data_dir),
            "dynamodb-local.log",
            # It writes dynamodb-local-metadata.json where it runs: not in the project, where
            # a new file makes chalice local's reloader restart the API.
            cwd=self.log_dir,
        )
        endpoint = _endpoint(self.dynamodb_port)
        try:
            _wait_until_ready(process, lambda: _dynamodb_answers(endpoint))
        except StackError as error:
            self._processes.remove(process)
            process.stop()
            raise DynamoDBLocalUnavailable(str(error)) from error
        return endpoint

    def _spawn(
        self, name: str, command: Sequence[str], log_name: str, **popen: Any
    ) -> ManagedProcess:
        process = ManagedProcess(name, command, self.log_dir / log_name, **popen)
        self._processes.append(process)
        return process


def fetch_dynamodb_local(lib_dir: Path = DYNAMODB_LOCAL_LIB) -> Path:
    """Download DynamoDB Local's jars and native libraries with Maven, unless already cached."""
    if _has_dynamodb_local(lib_dir):
        return lib_dir
    mvn = shutil.which("mvn")
    if mvn is None:
        raise DynamoDBLocalUnavailable(f"`mvn` is not on PATH, needed once to fill {lib_dir}")
    lib_dir.parent.mkdir(parents=True, exist_ok=True)
    # Download into a private folder and rename it into place: an interrupted download never
    # looks cached, and parallel test workers do not write into each other's copy.
    partial = Path(tempfile.mkdtemp(prefix=f"{lib_dir.name}.partial-", dir=lib_dir.parent))
    try:
        _maven_copy_dependencies(mvn, partial)
        with contextlib.suppress(OSError):  # another process got there first: use its copy
            partial.rename(lib_dir)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    if not _has_dynamodb_local(lib_dir):
        raise DynamoDBLocalUnavailable(f"{lib_dir} has no DynamoDBLocal jar: delete the folder")
    return lib_dir


def _has_dynamodb_local(lib_dir: Path) -> bool:
    return any(lib_dir.glob("DynamoDBLocal-*.jar"))


def _maven_copy_dependencies(mvn: str, output_dir: Path) -> None:
    command = [mvn, "-q", "-f", str(DYNAMODB_LOCAL_POM), "dependency:copy-dependencies"]
    command.append(f"-DoutputDirectory={output_dir}")
    try:
        subprocess.run(
            command, check=True, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_SECONDS
        )
    except subprocess.CalledProcessError as error:
        output = f"{error.stdout}{error.stderr}".strip()
        message = f"Maven could not fetch DynamoDB Local:\n{output}"
        raise DynamoDBLocalUnavailable(message) from error
    except subprocess.TimeoutExpired as error:
        raise DynamoDBLocalUnavailable(f"Maven took over {error.timeout:.0f}s") from error


def _dynamodb_local_command(
    java: str, lib_dir: Path, port: int, data_dir: Path | None
) -> list[str]:
    # Maven delivers sqlite4java's natives as libsqlite4java-linux-amd64-<version>.so next to
    # the jars; sqlite4java looks for that versioned name first, so the lib folder is enough.
    command = [java, f"-Djava.library.path={lib_dir}", "-cp", f"{lib_dir}/*"]
    command += [DYNAMODB_LOCAL_MAIN, "-port", str(port)]
    if data_dir is None:
        return [*command, "-inMemory"]
    data_dir.mkdir(parents=True, exist_ok=True)
    return [*command, "-sharedDb", "-dbPath", str(data_dir)]


def _wait_until_ready(
    process: ManagedProcess,
    probe: Callable[[], bool],
    timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.exited():
            raise process.failure("exited during startup")
        if probe():
            return
        time.sleep(PROBE_INTERVAL_SECONDS)
    raise process.failure(f"did not answer within {timeout:.0f}s")


def _http_answers(url: str) -> bool:
    """True once anything answers HTTP at ``url``: any status means the server is up."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=2)
    try:
        connection.request("GET", parts.path or "/")
        connection.getresponse().read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()
    return True


def _dynamodb_answers(endpoint: str) -> bool:
    try:
        _client("dynamodb", endpoint).list_tables(Limit=1)
    except Exception:  # any failure just means "not ready yet"
        return False
    return True


def _client(service: str, endpoint: str) -> Any:
    config = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 2})
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        config=config,
    )


def _endpoint(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def _resolve_port(port: int) -> int:
    return port or free_port()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Like the servers themselves: a just-stopped server's TIME_WAIT does not make it busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _venv_tool(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if found is None:
        raise StackError(f"`{name}` is neither next to {sys.executable} nor on PATH")
    return found


# --- CLI ------------------------------------------------------------------------------------


def serve(
    api_port: int | None,
    dynamodb_port: int = RUN_DYNAMODB_PORT,
    cognito_port: int = RUN_COGNITO_PORT,
) -> int:
    """`make stack` (no ``api_port``) and `make run`: the persistent local stack on fixed ports,
    plus chalice local for `make run`, until Ctrl-C.

    Everything it keeps lives in ``local_stage.stack_dir()``, outside the project: DynamoDB's
    data, Cognito's users, the logs, and ``stack.env``, where plain ``chalice local --stage
    local`` finds the stack.
    """
    directory = local_stage.stack_dir()
    # A stack started before the state moved out of the project keeps its files in .local/.
    for stack_folder in (directory, LOCAL_DIR):
        if local_stage.read_stack_env(stack_folder) is not None:
            print(
                f"A local stack is already running (see {stack_folder / 'stack.pid'}).",
                file=sys.stderr,
            )
            print(
                "Use it, or stop it first (Ctrl-C where `make stack` or `make run` runs).",
                file=sys.stderr,
            )
            return 1
    ports = [port for port in (api_port, dynamodb_port, cognito_port) if port is not None]
    busy = [port for port in ports if not port_is_free(port)]
    if busy:
        print(f"Port(s) already in use: {', '.join(map(str, busy))}.", file=sys.stderr)
        print("Another program holds them: stop it first.", file=sys.stderr)
        return 1

    if not os.environ.get("LOCAL_STACK_DIR"):  # tests name their own folder: never move data
        for line in migrate_legacy_state(LOCAL_DIR, directory):
            print(line, flush=True)
    stack = LocalStack(
        dynamodb_port=dynamodb_port,
        cognito_port=cognito_port,
        data_dir=directory / DYNAMODB_DATA_NAME,
        cognito_state=directory / COGNITO_STATE_NAME,
        log_dir=directory / "logs",
    )
    signal.signal(signal.SIGTERM, _interrupt)
    print("Starting the local stack...", flush=True)
    try:
        stack.start()
        _write_stack_env(directory, stack.env())
        server = worker = reminders = None
        if api_port is not None:
            # The loop below restarts it instead of Chalice's reloader, on changes of the code
            # only: the reloader also restarts on any file tests or linters write here.
            server = stack.start_chalice_local(api_port, autoreload=False)
            worker = stack.start_deletion_worker()
            reminders = stack.start_reminder_worker()
        print(_banner(stack, directory, api_port), flush=True)
        _serve_until_interrupted(stack, api_port, server, worker, reminders)
    except KeyboardInterrupt:
        print("\nStopping the local stack...", flush=True)
        return 0
    except StackError as error:
        print(f"Local stack failed: {error}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C must not cut the cleanup short and orphan a server.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        _remove_stack_env(directory)
        print("Local stack stopped.", flush=True)
    return 0


def migrate_legacy_state(legacy_dir: Path, directory: Path) -> list[str]:
    """Move the data and Cognito state that older versions kept in the project's ``.local/``
    into the state folder ``directory``; returns what it did, to tell the developer.

    Only what is missing in ``directory`` is moved: existing state there is never replaced.
    """
    notes = []
    for name in (DYNAMODB_DATA_NAME, COGNITO_STATE_NAME):
        old, new = legacy_dir / name, directory / name
        if not old.exists():
            continue
        if new.exists():
            notes.append(f"Left {old} alone: {new} is in use. Delete {old} when not needed.")
            continue
        directory.mkdir(parents=True, exist_ok=True)
        shutil.move(old, new)
        notes.append(f"Moved {old} to {new} (the stack's state now lives outside the project).")
    return notes


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _serve_until_interrupted(
    stack: LocalStack,
    api_port: int | None,
    server: subprocess.Popen[bytes] | None,
    worker: subprocess.Popen[bytes] | None = None,
    reminders: subprocess.Popen[bytes] | None = None,
) -> None:
    # Deliberately unbounded: a dev server runs until Ctrl-C/SIGTERM or until a service dies.
    sources = _source_stamp()
    while True:
        time.sleep(1.0)
        stack.raise_if_crashed()
        if api_port is None:
            continue  # `make stack`: whoever runs chalice local reloads it
        stamp = _source_stamp()
        if stamp == sources:
            continue
        sources = stamp
        print("Code changed: restarting the API...", flush=True)
        if server is not None:
            stack.stop_process(server)
        if worker is not None:  # it runs the app's code too
            stack.stop_process(worker)
            worker = stack.start_deletion_worker()
        if reminders is not None:
            stack.stop_process(reminders)
            reminders = stack.start_reminder_worker()
        try:
            server = stack.start_chalice_local(api_port, autoreload=False)
            print(f"API ready again on http://127.0.0.1:{api_port}", flush=True)
        except StackError as error:
            # A broken edit: say why and keep watching; the next save tries again.
            server = None
            print(f"The API did not start: {error}", file=sys.stderr, flush=True)


def _source_stamp() -> tuple[tuple[str, int], ...]:
    """When the app's code and stage settings last changed."""
    files = [
        REPO_ROOT / "app.py",
        REPO_ROOT / ".chalice" / "config.json",
        *sorted((REPO_ROOT / "chalicelib").rglob("*.py")),
    ]
    return tuple((str(path), path.stat().st_mtime_ns) for path in files if path.exists())


def _write_stack_env(directory: Path, env: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    env_file = directory / "stack.env"
    env_file.touch(mode=0o600)
    env_file.chmod(0o600)  # it holds the stack's SESSION_TOKEN_SECRET
    env_file.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
    # The pid last: a reader that finds it alive finds the environment complete.
    (directory / "stack.pid").write_text(f"{os.getpid()}\n")


def _remove_stack_env(directory: Path) -> None:
    (directory / "stack.pid").unlink(missing_ok=True)
    (directory / "stack.env").unlink(missing_ok=True)


def _banner(stack: LocalStack, directory: Path, api_port: int | None) -> str:
    info = stack.info
    if info.dynamodb_backend == "dynamodb-local":
        dynamodb = f"{info.dynamodb_endpoint}  (DynamoDB Local, data in {stack.data_dir})"
    else:
        dynamodb = (
            f"{info.dynamodb_endpoint}  (moto: DynamoDB Local unavailable, data NOT persisted)\n"
            f"                 reason: {info.fallback_reason}"
        )
    if api_port is None:
        api = [
            "  API            not started: run it yourself, on any port, e.g.",
            "                 .venv/bin/chalice local --stage local --port 8000",
            "  Account jobs   not run: run the worker yourself to run deletions and exports,",
            "                 .venv/bin/python scripts/deletion_worker.py",
            "  Reminders      not sent: run .venv/bin/python scripts/reminder_worker.py",
        ]
    else:
        api = [
            f"  API            http://127.0.0.1:{api_port}",
            f"  Docs           http://127.0.0.1:{api_port}/docs",
            "  Account jobs   deletions and exports, run by the deletion worker (its log:",
            "                 deletion-worker.log)",
            "  Reminders      sent every minute by the reminder worker (reminder-worker.log);",
            "                 what was sent: .venv/bin/python scripts/reminder_worker.py --sent",
        ]
    return "\n".join(
        [
            "",
            "AI Lifestyle API - local stack is running",
            *api,
            f"  DynamoDB       {dynamodb}",
            f"  Table          {info.table_name}",
            f"  Cognito (moto) {info.cognito_endpoint}  (also SQS, SES, S3: bucket {DATA_BUCKET})",
            f"  User pool      {info.user_pool_id}",
            f"  App client     {info.client_id}",
            f"                 users kept in {stack.cognito_state}",
            f"  State folder   {directory}  (outside the project)",
            f"  Environment    {directory / 'stack.env'}",
            f"  Logs           {stack.log_dir}",
            "",
            "Confirm a registered user:  make verify-user EMAIL=you@example.com",
            "Press Ctrl-C to stop.",
            "",
        ]
    )


def print_env() -> int:
    """Print the running stack's environment (``KEY=value`` lines); 1 if no stack is running."""
    directory = local_stage.stack_dir()
    env = local_stage.read_stack_env(directory)
    if env is None:
        print(local_stage.STACK_NOT_RUNNING, file=sys.stderr)
        print(f"Its state folder: {directory}", file=sys.stderr)
        return 1
    print(
        f"# {directory / 'stack.env'} (data, Cognito state and logs: {directory})", file=sys.stderr
    )
    print("".join(f"{key}={value}\n" for key, value in env.items()), end="")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run the stack and chalice local until Ctrl-C")
    run_parser.add_argument("--port", type=int, default=RUN_API_PORT, help="API port")
    stack_parser = commands.add_parser(
        "stack", help="run the stack alone until Ctrl-C, for `chalice local --stage local`"
    )
    for service_parser in (run_parser, stack_parser):
        # Other ports only for tests (their own folder then comes from LOCAL_STACK_DIR).
        service_parser.add_argument("--dynamodb-port", type=int, default=RUN_DYNAMODB_PORT)
        service_parser.add_argument("--cognito-port", type=int, default=RUN_COGNITO_PORT)
    commands.add_parser("env", help="print the environment of the running stack")
    commands.add_parser("where", help="print the folder of the stack's data, state and logs")
    args = parser.parse_args(argv)
    if args.command == "env":
        return print_env()
    if args.command == "where":
        print(local_stage.stack_dir())
        return 0
    api_port = args.port if args.command == "run" else None
    return serve(api_port, args.dynamodb_port, args.cognito_port)


if __name__ == "__main__":
    sys.exit(main())

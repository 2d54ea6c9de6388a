"""The local stack's Cognito: a moto server that keeps its user pools across restarts.

    python scripts/cognito_server.py --port 8002 [--state path/to/cognito-state.pickle]

moto's own server holds everything in memory, so every restart lost every account while
DynamoDB Local kept the profiles. This runs the same moto application in-process and, with
``--state``, writes the Cognito backend (pools, clients, users with their passwords, ``sub``,
MFA settings, refresh tokens) to that file after every Cognito request, and reads it back on
start. moto signs tokens with a key that ships with moto, so tokens issued before a restart
still verify after it.

The state is a pickle: it is written and read only by this script, in the developer's own
state folder. Without ``--state`` it is the plain in-memory moto server (the tests).
"""

from __future__ import annotations

import argparse
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import FrameType
from typing import IO, Any

from moto.cognitoidp.models import cognitoidp_backends
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

# The parts of a region's Cognito backend that hold state; saved together, so the pools that
# sessions refer to stay the same objects after loading.
_STATE_ATTRIBUTES = ("user_pools", "user_pool_domains", "sessions")
# Every Cognito call names this service in its X-Amz-Target header (moto also serves other
# services on the same port, such as DynamoDB when DynamoDB Local is unavailable).
_COGNITO_TARGET_PREFIX = "AWSCognitoIdentityProviderService."
# moto's pools hold their signing key as an object that cannot be pickled; it is moto's fixed
# key, so it is saved as this marker and loaded from moto's own copy again.
_SIGNING_KEY_MARKER = "moto-cognito-signing-key"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class _StatePickler(pickle.Pickler):
    def persistent_id(self, obj: Any) -> str | None:
        from joserfc import jwk

        return _SIGNING_KEY_MARKER if isinstance(obj, jwk.RSAKey) else None


class _StateUnpickler(pickle.Unpickler):
    def persistent_load(self, pid: Any) -> Any:
        if pid != _SIGNING_KEY_MARKER:
            raise pickle.UnpicklingError(f"unknown reference {pid!r}")
        from joserfc import jwk
        from moto.utilities.utils import load_resource

        return jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))


def save_state(path: Path) -> None:
    """Write every account's and region's Cognito state to ``path`` (atomically)."""
    state = {
        (account_id, region): {name: getattr(backend, name) for name in _STATE_ATTRIBUTES}
        for account_id, regions in cognitoidp_backends.items()
        for region, backend in regions.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial")
    with partial.open("wb") as file:
        _StatePickler(file, protocol=pickle.HIGHEST_PROTOCOL).dump(state)
    os.replace(partial, path)  # a crash mid-write never leaves half a state behind


def load_state(path: Path) -> int:
    """Restore the state saved in ``path``, if any; the number of user pools restored."""
    if not path.exists():
        return 0
    with path.open("rb") as file:
        state = _read(file)
    pools = 0
    for (account_id, region), attributes in state.items():
        backend = cognitoidp_backends[account_id][region]
        for name, value in attributes.items():
            if name in _STATE_ATTRIBUTES:
                setattr(backend, name, value)
        pools += len(attributes.get("user_pools", {}))
    return pools


def _read(file: IO[bytes]) -> dict[tuple[str, str], dict[str, Any]]:
    # Our own file (see the module docstring), never one from elsewhere.
    state: dict[tuple[str, str], dict[str, Any]] = _StateUnpickler(file).load()
    return state


def sign_out_by_any_name() -> None:
    """Make moto's global sign-out revoke every token of the user, as Cognito does.

    moto files a refresh token under the name given at sign-in (here the address) and its
    AdminUserGlobalSignOut revokes only tokens filed under the exact name the call gives;
    Cognito revokes the user's tokens whichever of its names (the address, or the `sub` that
    account deletion uses) the call gives.
    """
    from moto.cognitoidp.models import CognitoIdpUserPool

    def sign_out(self: CognitoIdpUserPool, username: str) -> None:
        target = self._get_user(username)

        def same(name: str) -> bool:
            return name == username or (target is not None and self._get_user(name) is target)

        for token, filed in list(self.refresh_tokens.items()):
            if filed is not None and same(filed[1]):
                self.refresh_tokens[token] = None
        for token, (_, name) in list(self.access_tokens.items()):
            if same(name):
                self.access_tokens.pop(token)

    CognitoIdpUserPool.sign_out = sign_out  # type: ignore[method-assign]


class PersistingApp:
    """Serves moto and saves the Cognito state after each Cognito request.

    Cognito requests are handled one at a time, so a save never sees a half-made change.
    """

    def __init__(self, app: WsgiApp, state_path: Path) -> None:
        self._app = app
        self._state_path = state_path
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if not target.startswith(_COGNITO_TARGET_PREFIX):
            return self._app(environ, start_response)
        with self._lock:
            body = list(self._app(environ, start_response))
            save_state(self._state_path)
        return body


def serve(host: str, port: int, state_path: Path | None) -> None:
    os.environ.setdefault("MOTO_PORT", str(port))  # moto builds some URLs from it
    sign_out_by_any_name()
    moto_app = DomainDispatcherApplication(create_backend_app)
    app: WsgiApp = moto_app
    if state_path is not None:
        pools = load_state(state_path)
        print(f"Cognito state: {state_path} ({pools} user pool(s) restored)", flush=True)
        app = PersistingApp(moto_app, state_path)
    server = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
    signal.signal(signal.SIGTERM, _exit)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _exit(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    parser.add_argument("--state", type=Path, help="keep the Cognito state in this file")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.state)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Verify a locally registered account, since the local stack sends no email.

    make verify-user EMAIL=you@example.com

It talks to the running `make stack` or `make run` stack (found as the app finds it on the
local stage: its `stack.env`, unless the environment already names a stack) with the
local stage's own settings, and goes through the app's auth service, which refuses unless the
stage is `local` with developer tools switched on. Nothing like it exists in a deployed stage.
"""

import json
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def _local_stage_settings() -> dict[str, str]:
    config = json.loads((REPO_ROOT / ".chalice" / "config.json").read_text())
    return {
        **config.get("environment_variables", {}),
        **config["stages"]["local"].get("environment_variables", {}),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: verify_user.py EMAIL", file=sys.stderr)
        return 2
    os.environ.update(_local_stage_settings())

    from chalicelib import wiring
    from chalicelib.core import local_stage
    from chalicelib.core.errors import AppError
    from chalicelib.users.models import normalise_email

    if local_stage.stack_missing():
        raise SystemExit(local_stage.STACK_NOT_RUNNING)

    try:
        email = normalise_email(argv[0])
        wiring.auth().confirm_account_locally(email)
    except (ValueError, AppError) as exc:
        print(f"Could not verify {argv[0]}: {exc}", file=sys.stderr)
        return 1
    print(f"{email} is verified: sign in with POST /auth/login.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

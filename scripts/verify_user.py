"""Verify a locally registered account, since the local stack sends no email.

    make verify-user EMAIL=you@example.com

It talks to the running `make run` stack (its `.local/stack.env`, unless the environment
already names a stack) with the local stage's own settings, and goes through the app's auth
service, which refuses unless the stage is `local` with developer tools switched on. Nothing
like it exists in a deployed stage.
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


def _running_stack_env() -> dict[str, str]:
    stack_env = REPO_ROOT / ".local" / "stack.env"
    if not stack_env.exists():
        raise SystemExit("No local stack is running: start it with `make run` first.")
    pairs = (line.split("=", 1) for line in stack_env.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: verify_user.py EMAIL", file=sys.stderr)
        return 2
    os.environ.update(_local_stage_settings())
    if "COGNITO_USER_POOL_ID" not in os.environ:  # not handed a stack's environment
        os.environ.update(_running_stack_env())

    from chalicelib import wiring
    from chalicelib.core.errors import AppError
    from chalicelib.users.models import normalise_email

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

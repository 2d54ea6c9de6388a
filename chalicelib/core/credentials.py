"""A one-line refusal when `chalice deploy` runs without AWS credentials.

Chalice's own CLI answers that case with a long botocore traceback (NoCredentialsError), after
building the whole deployment package. It imports app.py before anything else, so app.py
calls `refuse_deploy_without_credentials` first. Nothing happens in any other process
(Lambda, chalice local, chalice package, tests): the check needs the chalice CLI's
`deploy` command in argv before it even imports boto3.
"""

import sys
from collections.abc import Sequence
from pathlib import Path

NO_CREDENTIALS = (
    "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
    "AWS_SECRET_ACCESS_KEY (see README, Deploy)"
)


def has_credentials(profile: str | None = None) -> bool:
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        return boto3.session.Session(profile_name=profile).get_credentials() is not None
    except BotoCoreError:  # an unknown --profile, or a broken credentials file
        return False


def _chalice_deploy_profile(argv: Sequence[str]) -> tuple[bool, str | None]:
    """(whether argv is `chalice ... deploy ...`, the --profile it names)."""
    if not argv or Path(argv[0]).name != "chalice" or "deploy" not in argv[1:]:
        return False, None
    arguments = list(argv[1:])
    for index, argument in enumerate(arguments):
        if argument == "--profile" and index + 1 < len(arguments):
            return True, arguments[index + 1]
        if argument.startswith("--profile="):
            return True, argument.split("=", 1)[1]
    return True, None


def refuse_deploy_without_credentials(argv: Sequence[str] | None = None) -> None:
    deploying, profile = _chalice_deploy_profile(sys.argv if argv is None else argv)
    if deploying and not has_credentials(profile):
        print(f"chalice deploy: {NO_CREDENTIALS}", file=sys.stderr)
        # SystemExit passes through Chalice's catch-all `except Exception`, traceback-free.
        raise SystemExit(2)

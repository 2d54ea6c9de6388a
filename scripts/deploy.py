"""Deploy one stage, by CloudFormation (the default) or by ``chalice deploy``.

    python scripts/deploy.py dev                            # bootstrap, then chalice deploy
    python scripts/deploy.py staging --bucket my-artifacts  # package, upload, deploy the stack
    python scripts/deploy.py prod --bucket b --dry-run      # print the steps, run nothing

The method is the one the README recommends for the stage (`chalice deploy` for dev,
CloudFormation for staging and prod) unless --method says otherwise. Credentials are checked
before anything else: without them it says so in one line and does nothing. Every step is
printed before it runs.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python scripts/deploy.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalicelib.core.credentials import NO_CREDENTIALS, has_credentials
from scripts.chalice_config import ChaliceConfig
from scripts.policy import DEPLOYED_STAGES

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def recommended_method(stage: str) -> str:
    """README, Deploy: a personal dev stack by `chalice deploy`, shared stages by CloudFormation
    (only it makes the gateway's error responses, access logs, throttling and alarms)."""
    return "chalice" if stage == "dev" else "cloudformation"


def stack_name(stage: str) -> str:
    return f"ai-lifestyle-api-{stage}"


def cloudformation_steps(stage: str, bucket: str, region: str) -> list[list[str]]:
    build = f"build/{stage}"
    return [
        [PYTHON, "scripts/package.py", stage],
        [
            "aws",
            "cloudformation",
            "package",
            "--region",
            region,
            "--template-file",
            f"{build}/sam.json",
            "--s3-bucket",
            bucket,
            "--s3-prefix",
            stack_name(stage),
            "--output-template-file",
            f"{build}/packaged.yaml",
        ],
        [
            "aws",
            "cloudformation",
            "deploy",
            "--region",
            region,
            "--template-file",
            f"{build}/packaged.yaml",
            "--stack-name",
            stack_name(stage),
            # The role is named by CloudFormation, hence CAPABILITY_IAM (not NAMED_IAM); the
            # SAM transform needs CAPABILITY_AUTO_EXPAND.
            "--capabilities",
            "CAPABILITY_IAM",
            "CAPABILITY_AUTO_EXPAND",
            "--no-fail-on-empty-changeset",
        ],
    ]


def chalice_steps(stage: str) -> list[list[str]]:
    chalice = str(Path(PYTHON).parent / "chalice")
    return [
        [PYTHON, "scripts/bootstrap.py", stage],
        [chalice, "deploy", "--stage", stage],
    ]


def missing_prerequisites(method: str) -> list[str]:
    problems = []
    if method == "cloudformation" and shutil.which("aws") is None:
        problems.append("the AWS CLI (`aws`) is not on PATH: install AWS CLI v2")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("stage", choices=DEPLOYED_STAGES)
    parser.add_argument(
        "--method",
        choices=("cloudformation", "chalice"),
        help="default: chalice for dev, cloudformation for staging and prod",
    )
    parser.add_argument("--bucket", help="S3 bucket for the Lambda zip (cloudformation only)")
    parser.add_argument("--dry-run", action="store_true", help="print the steps, run nothing")
    args = parser.parse_args(argv)
    if not args.dry_run and not has_credentials():
        print(f"Cannot deploy {args.stage}: {NO_CREDENTIALS}", file=sys.stderr)
        return 2
    args.method = args.method or recommended_method(args.stage)

    region = ChaliceConfig.load(REPO_ROOT).stage_environment(args.stage)["REGION"]
    if args.method == "cloudformation":
        if not args.bucket:
            parser.error("--bucket is required for the cloudformation method")
        steps = cloudformation_steps(args.stage, args.bucket, region)
    else:
        steps = chalice_steps(args.stage)

    print(f"Deploy {args.stage} ({args.method}) in {region}:")
    for number, step in enumerate(steps, 1):
        print(f"  {number}. {shlex.join(step)}")
    if args.dry_run:
        return 0
    problems = missing_prerequisites(args.method)
    if problems:
        print("Cannot deploy:\n" + "\n".join(f"  - {p}" for p in problems), file=sys.stderr)
        return 2
    for step in steps:
        print(f"\n$ {shlex.join(step)}", flush=True)
        if subprocess.run(step, cwd=REPO_ROOT, check=False).returncode != 0:
            print(f"Step failed: {shlex.join(step)}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""scripts/deploy.py: the documented steps, and a clear refusal without AWS credentials."""

import os
import subprocess
import sys
from pathlib import Path

from chalicelib.core.credentials import NO_CREDENTIALS
from scripts.package import REPO_ROOT


def _clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    # Point the shared files at nothing, so a developer's own profile cannot leak in.
    env |= {
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    return env


def _deploy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/deploy.py", *args],
        cwd=REPO_ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_cloudformation_dry_run_lists_package_upload_and_deploy():
    result = _deploy("prod", "--bucket", "artifacts", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "scripts/package.py prod" in lines[1]
    assert "aws cloudformation package" in lines[2]
    assert "--s3-bucket artifacts" in lines[2]
    assert "aws cloudformation deploy" in lines[3]
    assert "--stack-name ai-lifestyle-api-prod" in lines[3]


def test_the_chalice_dry_run_bootstraps_before_deploying():
    result = _deploy("staging", "--method", "chalice", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "scripts/bootstrap.py staging" in result.stdout
    assert result.stdout.rstrip().endswith("deploy --stage staging")


def test_without_credentials_it_refuses_before_any_step():
    result = _deploy("dev", "--method", "chalice")
    assert result.returncode == 2
    assert "no AWS credentials" in result.stderr
    assert "$ " not in result.stdout  # not a single step ran


def test_dev_deploys_by_the_method_the_readme_recommends():
    result = _deploy("dev", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "Deploy dev (chalice)" in result.stdout
    assert result.stdout.rstrip().endswith("deploy --stage dev")


def test_credentials_are_checked_before_anything_else():
    # Without a bucket the CloudFormation method could not run either; credentials come first.
    result = _deploy("staging")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == ["Cannot deploy staging: " + NO_CREDENTIALS]
    assert result.stdout == ""


def test_make_deploy_dev_without_credentials_is_one_line():
    env = _clean_env()
    result = subprocess.run(
        ["make", "--no-print-directory", "-s", "deploy", "STAGE=dev"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Cannot deploy dev: no AWS credentials" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_chalice_deploy_without_credentials_is_one_line():
    chalice = Path(sys.executable).parent / "chalice"
    result = subprocess.run(
        [str(chalice), "deploy", "--stage", "dev"],
        cwd=REPO_ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"chalice deploy: {NO_CREDENTIALS}"]
    assert result.stdout == ""  # not even "Creating deployment package."

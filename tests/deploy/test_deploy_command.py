"""scripts/deploy.py: the documented steps, and a clear refusal without AWS credentials."""

import os
import subprocess
import sys

from scripts.package import REPO_ROOT


def _deploy(*args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    # Point the shared files at nothing, so a developer's own profile cannot leak in.
    env |= {"AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_CONFIG_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true"}
    return subprocess.run([sys.executable, "scripts/deploy.py", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_the_cloudformation_dry_run_lists_package_upload_and_deploy():
    result = _deploy("prod", "--bucket", "artifacts", "--dry-run")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "scripts/package.py prod" in lines[1]
    assert "aws cloudformation package" in lines[2] and "--s3-bucket artifacts" in lines[2]
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

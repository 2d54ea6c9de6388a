"""Package one stage for CloudFormation, offline: ``build/<stage>/{sam.json,deployment.zip}``.

    python scripts/package.py dev        # what `make package STAGE=dev` runs

``chalice package --merge-template`` takes one template, so this script prepares it: it fills
in ``infra/template.yaml``'s parameters from the stage's ``.chalice/config.json`` and adds the
Lambda role's policy from ``scripts/policy.py``. In a stage with provisioned concurrency it then
points the API at the function's alias (Chalice knows nothing of aliases). Nothing here talks
to AWS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python scripts/package.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chalice.package import YAMLTemplateSerializer

from scripts.chalice_config import ChaliceConfig
from scripts.policy import DEPLOYED_STAGES, lambda_policy, stack_targets

REPO_ROOT = Path(__file__).resolve().parent.parent
MERGE_TEMPLATE = REPO_ROOT / "infra" / "template.yaml"
BUILD_DIR = REPO_ROOT / "build"
API_HANDLER_ROLE = "ApiHandlerRole"
API_HANDLER = "APIHandler"
# app.py's SQS handler (the account eraser). Chalice gives it a role of its own with the same
# policy file; the package gives it the API's role instead: one role, one policy, the union of
# what the one code bundle calls (tests/deploy/test_policies.py).
ERASER = "EraseAccounts"
ERASER_ROLE = "EraseAccountsRole"
# The reminder schedule (`@app.schedule`): the same, one role for the one bundle.
REMINDERS = "SendReminders"
REMINDERS_ROLE = "SendRemindersRole"
# SAM publishes a version on every code change and moves this alias to it; provisioned
# concurrency belongs to the alias, so the API must call the alias to use it.
LIVE_ALIAS = "live"

# Settings the app reads from its environment. Chalice imports app.py while packaging, with
# the stage's variables laid over the caller's environment: a developer's shell must not
# leak into the package (API_GATEWAY_AUTHORIZER=none would strip the authorizer off routes).
_APP_SETTINGS = (
    "ENVIRONMENT",
    "TABLE_NAME",
    "REGION",
    "LOG_LEVEL",
    "CORS_ALLOW_ORIGIN",
    "COGNITO_USER_POOL_ID",
    "COGNITO_CLIENT_ID",
    "COGNITO_USER_POOL_ARN",
    "API_GATEWAY_AUTHORIZER",
    "DEV_TOOLS_ENABLED",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
    "AWS_ENDPOINT_URL_SQS",
    "ACCOUNT_DELETION_QUEUE",
    "AWS_ENDPOINT_URL_S3",
    "ACCOUNT_DATA_BUCKET",
    "ACCOUNT_DELETION_SWEEP_SECONDS",
    "AWS_ENDPOINT_URL_SES",
    "REMINDER_SENDER",
)


class PackageError(RuntimeError):
    """The stage's configuration cannot be packaged as it is."""


def gateway_cors_origin(stage: str, environment: dict[str, str]) -> str:
    """The one origin API Gateway's own error responses allow: the stage's first origin.

    Those responses have static headers, so they cannot pick among several origins the way
    the app does; list the web client's origin first.
    """
    origins = [o.strip() for o in environment.get("CORS_ALLOW_ORIGIN", "").split(",") if o.strip()]
    if not origins:
        raise PackageError(f"stage {stage}: CORS_ALLOW_ORIGIN is empty")
    if stage == "prod" and "*" in origins:
        raise PackageError("stage prod: CORS_ALLOW_ORIGIN must name origins, never '*'")
    return origins[0]


def merge_template(stage: str, config: ChaliceConfig) -> dict[str, Any]:
    """infra/template.yaml, bound to one stage, with the role's policy added."""
    environment = config.stage_environment(stage)
    serializer = YAMLTemplateSerializer()
    template = serializer.load_template(MERGE_TEMPLATE.read_text(), str(MERGE_TEMPLATE))
    _pin_parameter(template, "Stage", stage)
    _pin_parameter(template, "CorsOrigin", gateway_cors_origin(stage, environment))
    # Chalice names the role ApiHandlerRole once a stage has its own policy file; the literal
    # ARNs it copied from that file are replaced by this stack's own resources.
    template["Resources"][API_HANDLER_ROLE] = {
        "Properties": {
            "Policies": [
                {
                    "PolicyName": f"{API_HANDLER_ROLE}Policy",
                    "PolicyDocument": lambda_policy(stack_targets()),
                },
            ]
        }
    }
    return template


def _pin_parameter(template: dict[str, Any], name: str, value: str) -> None:
    # A single allowed value: a package cannot be deployed as another stage by mistake.
    template["Parameters"][name].update({"Default": value, "AllowedValues": [value]})


def package(stage: str, out_dir: Path | None = None) -> Path:
    """Write build/<stage>/ (sam.json, deployment.zip, the merge template used); return it."""
    if stage not in DEPLOYED_STAGES:
        raise PackageError(f"stage must be one of {', '.join(DEPLOYED_STAGES)}, not {stage!r}")
    config = ChaliceConfig.load(REPO_ROOT)
    out_dir = out_dir or BUILD_DIR / stage
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    # JSON, so that chalice writes sam.json (a YAML merge template would switch it to YAML).
    merge_path = out_dir / "merge-template.json"
    merge_path.write_text(json.dumps(merge_template(stage, config), indent=2) + "\n")
    environment = config.stage_environment(stage)
    env = {key: value for key, value in os.environ.items() if key not in _APP_SETTINGS}
    env["AWS_DEFAULT_REGION"] = environment["REGION"]
    command = [
        _chalice(),
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(merge_path),
        str(out_dir),
    ]
    subprocess.run(command, cwd=REPO_ROOT, env=env, check=True)
    drop_unused_files(out_dir / "deployment.zip")
    sam_path = out_dir / "sam.json"
    template = share_the_role(json.loads(sam_path.read_text()))
    amount = provisioned_concurrency(stage)
    if amount:
        template = serve_from_alias(template, amount)
    sam_path.write_text(json.dumps(template, indent=2) + "\n")
    return out_dir


def share_the_role(template: dict[str, Any]) -> dict[str, Any]:
    """The eraser and the reminder schedule run with the API's role (their own, with the
    committed file's literal ARNs, are dropped)."""
    resources = template["Resources"]
    for function, role in ((ERASER, ERASER_ROLE), (REMINDERS, REMINDERS_ROLE)):
        resources.pop(role, None)
        resources[function]["Properties"]["Role"] = {"Fn::GetAtt": [API_HANDLER_ROLE, "Arn"]}
    return template


def provisioned_concurrency(stage: str) -> int:
    """The stage's ProvisionedConcurrency in infra/template.yaml (0: none, and no alias)."""
    serializer = YAMLTemplateSerializer()
    template = serializer.load_template(MERGE_TEMPLATE.read_text(), str(MERGE_TEMPLATE))
    return int(template["Mappings"]["StageSettings"][stage]["ProvisionedConcurrency"])


def serve_from_alias(template: dict[str, Any], amount: int) -> dict[str, Any]:
    """The packaged template with `amount` provisioned instances on the function's alias, and
    API Gateway invoking (and allowed to invoke) that alias rather than $LATEST."""
    resources = template["Resources"]
    resources[API_HANDLER]["Properties"].update(
        {
            "AutoPublishAlias": LIVE_ALIAS,
            "ProvisionedConcurrencyConfig": {"ProvisionedConcurrentExecutions": amount},
        }
    )
    # SAM names the alias it creates <function>Alias<name>; its Ref is the alias's ARN.
    alias = f"{API_HANDLER}Alias{LIVE_ALIAS}"
    resources[f"{API_HANDLER}InvokePermission"]["Properties"]["FunctionName"] = {"Ref": alias}
    for operations in resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"].values():
        for operation in operations.values():
            integration = operation.get("x-amazon-apigateway-integration", {})
            uri = integration.get("uri", {})
            if isinstance(uri, dict) and "Fn::Sub" in uri:
                uri["Fn::Sub"] = uri["Fn::Sub"].replace(f"${{{API_HANDLER}.Arn}}", f"${{{alias}}}")
    return template


# The AWS SDK and what it depends on: the Lambda runtime has them (a bundled copy would shadow
# its security updates, and botocore alone is 16 MB). aws-xray-sdk declares botocore, which is
# how they would get in.
RUNTIME_PROVIDED = (
    "boto3",
    "botocore",
    "s3transfer",
    "dateutil",
    "python_dateutil",
    "urllib3",
    "six",
)


def _provided_by_runtime(filename: str) -> bool:
    top = filename.split("/", 1)[0]
    name = top.removesuffix(".py").split("-", 1)[0]  # "six.py", "urllib3-2.8.0.dist-info"
    return name in RUNTIME_PROVIDED


def drop_unused_files(zip_path: Path) -> None:
    """Rewrite the Lambda zip without files the app never reads (it must stay under 5 MB)."""
    slimmer = zip_path.with_suffix(".slim.zip")
    with (
        zipfile.ZipFile(zip_path) as source,
        zipfile.ZipFile(slimmer, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for entry in source.infolist():
            if not _provided_by_runtime(entry.filename):
                target.writestr(entry, source.read(entry.filename))
    slimmer.replace(zip_path)


def _chalice() -> str:
    beside_python = Path(sys.executable).parent / "chalice"
    return str(beside_python) if beside_python.exists() else "chalice"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("stage", choices=DEPLOYED_STAGES)
    args = parser.parse_args(argv)
    try:
        out_dir = package(args.stage)
    except (PackageError, subprocess.CalledProcessError) as error:
        print(f"package failed: {error}", file=sys.stderr)
        return 1
    size = (out_dir / "deployment.zip").stat().st_size
    print(f"{args.stage}: {out_dir / 'sam.json'} and deployment.zip ({size / 1e6:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

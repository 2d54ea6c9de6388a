"""The Lambda zip: small, without the SDK the runtime already has, and safe without crypto."""

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

from chalicelib.core import docs
from scripts.package import REPO_ROOT

MAX_ZIP_BYTES = 5 * 1024 * 1024
# Provided by the Lambda runtime; a bundled copy would shadow its security updates.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "dateutil", "urllib3", "six")


def _top_level_names(zip_path: Path) -> set[str]:
    with zipfile.ZipFile(zip_path) as archive:
        return {name.split("/", 1)[0] for name in archive.namelist()}


def test_the_zip_is_at_most_5_mb(build_dir):
    size = (build_dir / "deployment.zip").stat().st_size
    assert size <= MAX_ZIP_BYTES, f"{size / 1e6:.2f} MB"


def test_the_zip_leaves_the_aws_sdk_and_cryptography_out(build_dir):
    names = _top_level_names(build_dir / "deployment.zip")
    for package in (*RUNTIME_PACKAGES, "cryptography"):
        assert not any(name == package or name.startswith(f"{package}-") for name in names)
    assert {"app.py", "chalicelib", "pydantic", "jwt"} <= names
    assert "six.py" not in names


def test_the_zip_has_what_tracing_needs(build_dir):
    # Powertools' Tracer imports aws_xray_sdk in the deployed function; Lambda lacks it.
    names = _top_level_names(build_dir / "deployment.zip")
    assert {"aws_xray_sdk", "wrapt", "jmespath"} <= names


def test_the_zip_has_one_swagger_ui_the_docs_page_reads(build_dir):
    # The docs page reads Powertools' copy of Swagger UI; a second UI package would take about
    # 0.4 MB of the 5 MB.
    with zipfile.ZipFile(build_dir / "deployment.zip") as archive:
        names = set(archive.namelist())
    folder = "/".join((docs.SWAGGER_PACKAGE, *docs.SWAGGER_FOLDER))
    assert {f"{folder}/{docs.SWAGGER_SCRIPT}", f"{folder}/{docs.SWAGGER_STYLES}"} <= names
    copies = [name for name in names if name.rsplit("/", 1)[-1].startswith("swagger-ui-bundle")]
    assert len(copies) == 1, copies
    assert not any(name.startswith("openapi_ui_bundles") for name in names)


def test_token_verification_fails_closed_without_cryptography():
    # In Lambda, API Gateway has verified the token. Should the app ever verify one itself
    # there, PyJWT without cryptography must refuse it (401), never accept it.
    script = textwrap.dedent("""
        import sys
        sys.modules["cryptography"] = None  # as in the Lambda zip: not installed
        from chalicelib.core.config import get_settings
        from chalicelib.core.errors import Unauthorized
        from chalicelib.core.identity import JwksCache, verify_access_token
        jwk = {"kty": "RSA", "kid": "k1", "alg": "RS256", "n": "sXch", "e": "AQAB"}
        keys = JwksCache(fetch=lambda url: {"keys": [jwk]})
        token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1In0.c2ln"
        try:
            verify_access_token(token, get_settings(), keys)
        except Unauthorized:
            print("refused")
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "refused", result.stderr

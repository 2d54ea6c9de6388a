"""The packaged templates of every deployed stage, built by scripts/package.py when missing.

`make deploy-checks` packages and lints first; run alone, these tests package whatever is
missing or older than its sources, so they never judge a stale template.
"""

import json
from pathlib import Path
from typing import Any

import pytest

from scripts.package import BUILD_DIR, REPO_ROOT, package
from scripts.policy import DEPLOYED_STAGES

_SOURCES = [
    REPO_ROOT / "app.py",
    REPO_ROOT / "requirements.txt",
    REPO_ROOT / "infra",
    REPO_ROOT / "chalicelib",
    REPO_ROOT / "scripts",
]
_SOURCE_GLOBS = [".chalice/*.json"]


def _newest_source() -> float:
    files = [path for pattern in _SOURCE_GLOBS for path in REPO_ROOT.glob(pattern)]
    for source in _SOURCES:
        files += (
            [source]
            if source.is_file()
            else [
                path
                for path in source.rglob("*")
                if path.is_file() and "__pycache__" not in path.parts
            ]
        )
    return max(path.stat().st_mtime for path in files)


def _built(stage: str) -> Path:
    out_dir = BUILD_DIR / stage
    template = out_dir / "sam.json"
    if not template.exists() or template.stat().st_mtime < _newest_source():
        package(stage)
    return out_dir


@pytest.fixture(scope="session", params=DEPLOYED_STAGES)
def stage(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def build_dir(stage: str) -> Path:
    return _built(stage)


@pytest.fixture(scope="session")
def template(build_dir: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((build_dir / "sam.json").read_text())
    return document


@pytest.fixture(scope="session")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template["Resources"]
    return found

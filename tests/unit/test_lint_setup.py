"""The lint rules the project promises (CONTRIBUTING.md) are the ones ruff and the
pre-commit hooks run."""

import re
import tomllib

import yaml

from tests.helpers import ROOT


def _ruff_lint_settings() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]


def test_pytest_style_and_complexity_rules_are_on_with_a_ceiling_of_ten():
    lint = _ruff_lint_settings()
    assert {"PT", "C90"} <= set(lint["select"])
    assert lint["mccabe"]["max-complexity"] <= 10
    ignored = {code for codes in lint.get("per-file-ignores", {}).values() for code in codes}
    assert not {code for code in ignored if code.startswith(("PT", "C90"))}


def test_the_pre_commit_hooks_run_the_ruff_that_make_lint_runs():
    [pinned] = re.findall(
        r"^ruff==(\S+)$", (ROOT / "requirements-dev.txt").read_text(), flags=re.MULTILINE
    )
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    [ruff] = [repo for repo in config["repos"] if repo["repo"].endswith("/ruff-pre-commit")]
    assert ruff["rev"] == f"v{pinned}"
    assert [hook["id"] for hook in ruff["hooks"]] == ["ruff-check", "ruff-format"]


def test_make_lint_checks_the_format_too():
    recipe = re.search(r"^lint:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert recipe is not None
    assert "ruff format --check ." in recipe.group(1)

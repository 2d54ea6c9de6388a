"""`make help` is the map of the Makefile: it names every target a developer can run."""

import re
import shutil
import subprocess

import pytest

from tests.helpers import ROOT


def _phony_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    [declared] = re.findall(r"^\.PHONY:(.*)$", text, flags=re.MULTILINE)
    return set(declared.split())


def _defined_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    return set(re.findall(r"^([a-z][a-z0-9-]*):", text, flags=re.MULTILINE))


def test_every_target_is_phony_and_listed_by_make_help() -> None:
    make = shutil.which("make")
    if make is None:
        pytest.fail("make is not installed")
    listed = subprocess.run(
        [make, "--no-print-directory", "help"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    words = set(re.findall(r"make ([a-z][a-z0-9-]*)", listed)) | set(
        re.findall(r"\| ([a-z][a-z0-9-]*)", listed)
    )

    assert _defined_targets() == _phony_targets()
    assert _phony_targets() - {"help"} <= words

"""One ETag and one If-Match rule for every versioned item (goals and journal entries)."""

import ast
from pathlib import Path

import pytest

from chalicelib.core.errors import PreconditionFailed
from chalicelib.core.http import check_if_match, etag

ROOT = Path(__file__).resolve().parents[2]


def test_an_etag_is_the_quoted_version():
    assert etag(3) == '"3"'


@pytest.mark.parametrize("header", [None, "", "*", '"3"', ' "3" ', 'W/"3"'])
def test_if_match_lets_the_current_version_through(header):
    check_if_match(header, 3, "changed")


@pytest.mark.parametrize("header", ['"2"', 'W/"4"', "3", "garbage"])
def test_if_match_refuses_another_version(header):
    with pytest.raises(PreconditionFailed) as raised:
        check_if_match(header, 3, "The goal has changed.", details={"currentVersion": 3})
    assert raised.value.message == "The goal has changed."
    assert raised.value.details == {"currentVersion": 3}


def test_no_domain_builds_an_etag_of_its_own():
    """Only core.http quotes a version: a second copy could drift from the If-Match rule."""
    copies = []
    for path in sorted((ROOT / "chalicelib").rglob("*.py")):
        if path.parts[-2] == "core":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and "etag" in node.name.lower():
                copies.append(f"{path.name}:{node.name}")
            if (
                isinstance(node, ast.Constant)
                and node.value == "*"
                and "if_match" in (path.read_text())
            ):
                copies.append(f"{path.name}: an If-Match wildcard")
    assert copies == []

"""Tests take their helpers from tests/helpers.py (or a named support module such as
tests/stack.py), never from a conftest or another test module: a conftest holds fixtures, and
a test module that others import cannot be moved or deleted on its own."""

import ast

from tests.helpers import ROOT


def _imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def test_no_test_imports_a_conftest_or_another_test_module():
    offending = sorted(
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "tests").rglob("*.py")
        for module in _imported_modules(path)
        if module.startswith("tests.")
        and (
            module.rsplit(".", 1)[-1] == "conftest" or module.rsplit(".", 1)[-1].startswith("test_")
        )
    )
    assert offending == []

"""Services take commands, not HTTP: the routes parse bodies and headers into typed arguments
(app.py), and no service sees a raw body, a header or an Idempotency-Key to parse."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(
    {
        *ROOT.glob("chalicelib/*/service.py"),
        *ROOT.glob("chalicelib/*/*_service.py"),
        ROOT / "chalicelib" / "goals" / "activities.py",
        ROOT / "chalicelib" / "goals" / "batch.py",
        ROOT / "chalicelib" / "users" / "directory.py",
    }
)


def _http_in(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            arguments = [*node.args.args, *node.args.kwonlyargs]
            found += [
                f"{node.name}({argument.arg})"
                for argument in arguments
                if argument.arg == "body" or argument.arg.endswith("_header")
            ]
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"parse", "key_from"}
        ):
            found.append(f"line {node.lineno}: {node.func.id}()")
    return found


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_service_parses_http(path: Path):
    assert _http_in(path) == []


def test_the_services_are_found():
    # with the key, share and account deletion services, and batch logging
    assert len(SERVICES) == 10

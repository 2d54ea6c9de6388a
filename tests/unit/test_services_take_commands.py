"""Services take commands, not HTTP: the routes parse bodies and headers into typed arguments
(app.py), and no service sees a raw body, a header or an Idempotency-Key to parse."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(
    {
        *ROOT.glob("chalicelib/*/service.py"),
        *ROOT.glob("chalicelib/*/*/service.py"),
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
    # with the key, share, account deletion, export, import and vacation services, batch
    # logging and sync
    assert len(SERVICES) == 13


# A status a service might answer with (the old creates returned StoredResponse(201, ...)).
_SUCCESS_STATUSES = {200, 201, 202, 204}


def _answers_http(path: str | Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.ImportFrom) and node.module in {"chalice", "chalice.app"}:
            found.append(f"line {node.lineno}: from {node.module}")
        if isinstance(node, ast.ImportFrom) and node.module == "chalicelib.core.routing":
            found.append(f"line {node.lineno}: from chalicelib.core.routing")
        if isinstance(node, ast.Call):
            found += [
                f"line {node.lineno}: {argument.value}"
                for argument in [*node.args, *(keyword.value for keyword in node.keywords)]
                if isinstance(argument, ast.Constant) and argument.value in _SUCCESS_STATUSES
            ]
    return found


@pytest.mark.parametrize("path", SERVICES, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_service_answers_with_a_status(path: Path):
    """Status codes, headers and the replay of an idempotent create are the route's: a create
    returns what it made (core/idempotency.Created), and app.py answers 201 with it."""
    assert _answers_http(path) == []


def test_the_status_check_would_see_one(tmp_path: Path):
    made = tmp_path / "service.py"
    made.write_text("from chalice.app import Response\nanswer = StoredResponse(201, {})\n")
    assert _answers_http(made) == ["line 1: from chalice.app", "line 2: 201"]

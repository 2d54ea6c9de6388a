"""The layers of the code, read from its imports: `core` <- `users` <- `goals` <- `journal` <-
`account` (what works on a whole account: deletion) <- `sync` (every domain's changes, as
each presents them) <- the app (app.py and the wiring that
builds the services). A module may import its own layer and
the layers before it, never one after it, and the journal reaches goals through one narrow
module only. Imports inside functions and under TYPE_CHECKING count too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("core", "users", "goals", "journal", "account", "sync", "app")
# The one module of the goals domain the journal may import.
GOALS_FACADE = "chalicelib.goals.links"


def _layer(module: str) -> str | None:
    if module in {"app", "chalicelib.wiring"}:
        return "app"
    parts = module.split(".")
    if parts[0] == "chalicelib" and len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return None


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from chalicelib.goals import links` imports the module chalicelib.goals.links.
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
            found.add(node.module)
    return {name for name in found if name.startswith("chalicelib") or name == "app"}


def _sources() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]


def test_the_layer_table_covers_every_package():
    packages = {
        path.name
        for path in (ROOT / "chalicelib").iterdir()
        if path.is_dir() and (path / "__init__.py").exists()
    }
    assert packages <= set(LAYERS)


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_imports_a_later_layer(path: Path):
    own = _layer(_module_name(path))
    if own is None:
        return  # chalicelib/__init__.py
    upward = sorted(
        name
        for name in _imports(path)
        if (layer := _layer(name)) is not None and LAYERS.index(layer) > LAYERS.index(own)
    )
    assert upward == [], f"{path.relative_to(ROOT)} ({own}) imports a later layer: {upward}"


@pytest.mark.parametrize(
    "path", sorted((ROOT / "chalicelib" / "journal").rglob("*.py")), ids=lambda path: path.name
)
def test_the_journal_reaches_goals_through_one_module(path: Path):
    reached = {name for name in _imports(path) if name.startswith("chalicelib.goals")}
    beyond = {
        name
        for name in reached
        if name != "chalicelib.goals"
        and name != GOALS_FACADE
        and not name.startswith(f"{GOALS_FACADE}.")
    }
    assert beyond == set(), sorted(beyond)


def test_a_journal_read_does_not_load_the_goal_engine():
    """`GET /journal/stats` and the entry reads need none of the progress engine."""
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import sys
        import app
        from chalicelib import wiring
        wiring.journal_reads()  # the reads as the journal's read routes build them
        wiring.journal()  # and the writes
        print(sorted(name for name in sys.modules if name.startswith("chalicelib.goals")))
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert result.returncode == 0, result.stderr
    loaded = set(ast.literal_eval(result.stdout.strip()))
    assert not loaded & {
        "chalicelib.goals.progress",
        "chalicelib.goals.activities",
        "chalicelib.goals.service",
        "chalicelib.goals.statistics",
    }, loaded


def test_importing_the_app_leaves_pydantic_for_the_first_body():
    """A cold start imports no model library: pydantic (about 100 ms of CPU) comes with the
    first request that parses a body (the bench's cold-start budget measures the rest)."""
    import os
    import subprocess
    import sys

    script = "import sys, app; print('pydantic' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"

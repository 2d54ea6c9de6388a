"""Every write goes through the one unit of work (core/unit_of_work.py): it alone builds and
commits transactions and retries lost races. And what a cancelled commit means is decided by
what the repositories attached to the failed items, never by a service reading labels."""

import ast
from pathlib import Path

import pytest

from chalicelib.core import retry
from chalicelib.core.dynamo import Transaction, TransactionCancelled
from chalicelib.core.errors import Conflict
from chalicelib.core.unit_of_work import run_write

ROOT = Path(__file__).resolve().parents[2]
UNIT_OF_WORK = ROOT / "chalicelib" / "core" / "unit_of_work.py"


def _writes_outside_the_unit_of_work(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "commit":
            found.append(f"line {node.lineno}: .commit()")
        if isinstance(func, ast.Name) and func.id == "Transaction":
            found.append(f"line {node.lineno}: Transaction()")
        if isinstance(func, ast.Attribute) and func.attr == "attempts":
            found.append(f"line {node.lineno}: a retry loop of its own")
        if isinstance(func, ast.Name) and func.id == "TransactionCancelled":
            found.append(f"line {node.lineno}: TransactionCancelled")
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ExceptHandler) and "TransactionCancelled" in ast.unparse(
            node.type or ast.Constant(None)
        ):
            found.append(f"line {node.lineno}: decodes a cancelled transaction")
    return found


@pytest.mark.parametrize(
    "path",
    [path for path in sorted((ROOT / "chalicelib").rglob("*.py")) if path.parent.name != "core"]
    + [ROOT / "app.py"],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_no_domain_commits_outside_the_unit_of_work(path: Path):
    assert _writes_outside_the_unit_of_work(path) == []


class _Staged:
    """A transaction double: commits fail with the given failed labels, a few times."""

    def __init__(self, failures: list[set[str]]) -> None:
        self.failures = failures
        self.commits = 0


def _fake_commit(staged: _Staged):
    def commit(self: Transaction, client_: object = None) -> None:
        staged.commits += 1
        if staged.failures:
            raise TransactionCancelled(staged.failures.pop(0), ["ConditionalCheckFailed"])

    return commit


def test_a_lost_race_reads_again_and_a_refusal_is_the_repositorys_error(monkeypatch):
    staged = _Staged([{"version"}, {"title"}])
    monkeypatch.setattr(Transaction, "commit", _fake_commit(staged))
    reads = []

    def attempt(tx: Transaction) -> str:
        reads.append(1)
        tx.put("title", {"PK": "p", "SK": "s"}).refuse_with("title", lambda: Conflict("taken"))
        return "done"

    with pytest.raises(Conflict, match="taken"):
        run_write(attempt, sleep=lambda _: None)
    assert (len(reads), staged.commits) == (2, 2)


def test_a_replayed_twin_outranks_every_refusal(monkeypatch):
    staged = _Staged([{"title", "idempotency"}])
    monkeypatch.setattr(Transaction, "commit", _fake_commit(staged))

    def attempt(tx: Transaction) -> int:
        tx.put("title", {"PK": "p", "SK": "s"}).refuse_with("title", lambda: Conflict("taken"))
        tx.put("idempotency", {"PK": "p", "SK": "i"}).replays_on("idempotency")
        return staged.commits

    assert run_write(attempt, sleep=lambda _: None) == 1  # the second attempt committed


def test_nothing_staged_commits_nothing(monkeypatch):
    staged = _Staged([])
    monkeypatch.setattr(Transaction, "commit", _fake_commit(staged))
    assert run_write(lambda tx: "replayed", sleep=lambda _: None) == "replayed"
    assert staged.commits == 0


def test_a_lost_commit_may_be_refused_and_a_noticed_race_just_reads_again(monkeypatch):
    staged = _Staged([{"version"}])
    monkeypatch.setattr(Transaction, "commit", _fake_commit(staged))
    refused: list[str] = []

    def noticed_then_staged(tx: Transaction) -> None:
        if not refused:
            refused.append("noticed")
            raise retry.Conflict()  # an item changed between two reads: no commit was lost
        tx.put("goal", {"PK": "p", "SK": "g"})

    def refuse() -> None:
        raise Conflict("changed since read")

    with pytest.raises(Conflict, match="changed since read"):
        run_write(noticed_then_staged, sleep=lambda _: None, on_lost_race=refuse)
    assert staged.commits == 1


def test_contention_ends_in_a_503(monkeypatch):
    staged = _Staged([{"version"}] * retry.MAX_ATTEMPTS)
    monkeypatch.setattr(Transaction, "commit", _fake_commit(staged))
    with pytest.raises(type(retry.exhausted())):
        run_write(lambda tx: tx.put("goal", {"PK": "p", "SK": "g"}), sleep=lambda _: None)
    assert staged.commits == retry.MAX_ATTEMPTS

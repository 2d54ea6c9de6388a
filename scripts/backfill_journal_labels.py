"""Give every journal written before label pointers existed its pointers (issue 15), once per
table, or repair the pointers of journals already indexed; safe to run again, and beside
live traffic.

    .venv/bin/python scripts/backfill_journal_labels.py --dry-run   # the journals it would index
    .venv/bin/python scripts/backfill_journal_labels.py             # do it
    .venv/bin/python scripts/backfill_journal_labels.py --user ID   # repair one journal
    .venv/bin/python scripts/backfill_journal_labels.py --all       # repair every journal

It works on the table the environment names (`TABLE_NAME`, with AWS credentials, or the local
stack's, found as the app finds it, when nothing is named). It scans for main journal stats
items (`JOURNALSTATS`) without `labelsIndexed` (with `--all`: every one; with `--user`: only
those journals) and indexes each (chalicelib/journal/label_backfill.py): it puts the
pointers entries lack and deletes those no entry carries. Until a journal is marked, its
filtered lists read every entry, as before; journals begun after the deploy are indexed
from their first entry. A repair is needed where an entry write logged "pointers left after
an entry write" (the user id is in the log line) or crashed between its transaction and the
pointer changes that did not fit in it (README, "Label index").
"""

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from chalicelib.core import dynamo  # noqa: E402
from chalicelib.journal import labels  # noqa: E402
from chalicelib.journal.keys import STATS_SK  # noqa: E402
from chalicelib.journal.label_backfill import index_journal  # noqa: E402
from scripts.chalice_config import use_local_stack_unless_configured  # noqa: E402


def unindexed_journals(*, marked_too: bool = False) -> Iterator[str]:
    """The ids of the users whose journal is not marked indexed (`marked_too`: every one)."""
    params: dict[str, Any] = {
        "TableName": dynamo.table_name(),
        "FilterExpression": "SK = :stats AND attribute_not_exists(#indexed)",
        "ProjectionExpression": "PK",
        "ExpressionAttributeNames": {"#indexed": labels.INDEXED},
        "ExpressionAttributeValues": dynamo.serialize({":stats": STATS_SK}),
    }
    if marked_too:
        params["FilterExpression"] = "SK = :stats"
        del params["ExpressionAttributeNames"]
    while True:
        page = dynamo.client().scan(**params)
        for item in page.get("Items", []):
            yield str(item["PK"]["S"]).removeprefix("USER#")
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def backfill(
    *, dry_run: bool, repair_all: bool = False, users: list[str] | None = None
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "journals": 0,
        "entries": 0,
        "pointers": 0,
        "removed": 0,
        "unfinished": [],
    }
    for user_id in users or list(unindexed_journals(marked_too=repair_all)):
        report["journals"] += 1
        if dry_run:
            continue
        done = index_journal(user_id)
        report["entries"] += done.entries
        report["pointers"] += done.pointers
        report["removed"] += done.removed
        if not done.marked:
            report["unfinished"].append(user_id)  # edited throughout: run again
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dry-run", action="store_true", help="count only; write nothing")
    parser.add_argument("--all", action="store_true", help="repair indexed journals too")
    parser.add_argument("--user", action="append", help="repair this user's journal only")
    args = parser.parse_args(argv)
    use_local_stack_unless_configured(REPO_ROOT)
    report = backfill(dry_run=args.dry_run, repair_all=args.all, users=args.user)
    print(json.dumps(report, indent=2))
    return 0 if not report["unfinished"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

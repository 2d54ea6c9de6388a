"""Give every journal written before label pointers existed its pointers (issue 15), once per
table; safe to run again, and beside live traffic.

    .venv/bin/python scripts/backfill_journal_labels.py --dry-run   # the journals it would index
    .venv/bin/python scripts/backfill_journal_labels.py             # do it

It works on the table the environment names (`TABLE_NAME`, with AWS credentials, or the local
stack's, found as the app finds it, when nothing is named). It scans for main journal stats
items (`JOURNALSTATS`) without `labelsIndexed` and indexes each of those journals
(chalicelib/journal/label_backfill.py). Until a journal is marked, its filtered lists read
every entry, as before; journals begun after the deploy are indexed from their first entry.
"""

import argparse
import json
import os
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


def unindexed_journals() -> Iterator[str]:
    """The ids of the users whose journal is not marked indexed."""
    params: dict[str, Any] = {
        "TableName": dynamo.table_name(),
        "FilterExpression": "SK = :stats AND attribute_not_exists(#indexed)",
        "ProjectionExpression": "PK",
        "ExpressionAttributeNames": {"#indexed": labels.INDEXED},
        "ExpressionAttributeValues": dynamo.serialize({":stats": STATS_SK}),
    }
    while True:
        page = dynamo.client().scan(**params)
        for item in page.get("Items", []):
            yield str(item["PK"]["S"]).removeprefix("USER#")
        if "LastEvaluatedKey" not in page:
            return
        params["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def backfill(*, dry_run: bool) -> dict[str, Any]:
    report: dict[str, Any] = {"journals": 0, "entries": 0, "pointers": 0, "unfinished": []}
    for user_id in list(unindexed_journals()):
        report["journals"] += 1
        if dry_run:
            continue
        done = index_journal(user_id)
        report["entries"] += done.entries
        report["pointers"] += done.pointers
        if not done.marked:
            report["unfinished"].append(user_id)  # edited throughout: run again
    return report


def _local_stage_settings() -> dict[str, str]:
    config = json.loads((REPO_ROOT / ".chalice" / "config.json").read_text())
    return {
        **config.get("environment_variables", {}),
        **config["stages"]["local"].get("environment_variables", {}),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--dry-run", action="store_true", help="count only; write nothing")
    args = parser.parse_args(argv)
    if not os.environ.get("TABLE_NAME"):
        os.environ.update(_local_stage_settings())
        from chalicelib.core import local_stage

        if local_stage.stack_missing():
            raise SystemExit(local_stage.STACK_NOT_RUNNING)
    report = backfill(dry_run=args.dry_run)
    print(json.dumps(report, indent=2))
    return 0 if not report["unfinished"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The budgets `make bench` enforces, and the known exceptions, listed here and nowhere else.

A budget holds when its measured figure is at most its limit. A broken budget fails the run,
unless it is a known exception below: then it is reported as broken with its reason, and the
run fails only if the figure gets worse than the exception's ceiling (so a known problem can't
quietly grow). A known exception that starts to hold is reported, so it can be removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Results = dict[str, Any]
RATIO_LIMIT = 1.3


@dataclass(frozen=True)
class Budget:
    key: str
    rule: str
    limit: float
    figure: Callable[[Results], float | None]  # None: not measured in these results


@dataclass(frozen=True)
class KnownException:
    ceiling: float
    reason: str


# Issue 15's write targets assume a log writes three items of at most 1 KB, each billed twice
# in its transaction (6 WCU), and a create two (4 WCU). That holds for the table's own items
# (`maxTableWcu` below). The table's indexes bill on top (bench/meter.py measures them apart):
# every stamped item is written again to the SyncIndex (projection ALL, so a page of changes
# is one Query; a changed `syncSeq` moves the goal's entry: a delete and a put), and an
# activity to the ActivityIdIndex (LSI). So a log's total cannot reach 6 WCU while sync and
# the activity-id lookup exist; the ceilings below keep that total from growing unnoticed.
KNOWN_EXCEPTIONS: dict[str, KnownException] = {
    "log_activity.maxWcu": KnownException(
        20,
        "the SyncIndex and ActivityIdIndex bill a log's items again (the table's own items "
        "stay within 6 WCU: log_activity.maxTableWcu); the goal's sync entry moves on each log",
    ),
    "log_yesterday.maxWcu": KnownException(
        24,
        "as a log dated today: the indexes bill its items again, and a checkpoint or a closed "
        "month's rollup it rewrites is billed in the transaction",
    ),
    # At 10,000 activities (27 a day) the goal item passes 1 KB by a few bytes: its open day
    # holds 28 logs in three parts of the day and its 30-period history two-digit totals.
    "log_activity.maxTableWcu": KnownException(
        8,
        "at 10,000 activities the goal item is just over 1 KB (2 KB billed, twice in the "
        "transaction); at 10, 100 and 1,000 a log's table items are 6 WCU",
    ),
    # Text search reads the journal in 1 MB pages (a known exception below for its growth).
    **{
        f"{operation}.requests": KnownException(
            12, "text search reads the whole journal: one Query per 1 MB page (8 at 10,000)"
        )
        for operation in ("journal_search_rare", "journal_search_common")
    },
    "create_goal.maxWcu": KnownException(
        8,
        "the goal is written to the SyncIndex too; the table's own items (the goal and the "
        "counter that now holds the active titles) stay within 4 WCU: create_goal.maxTableWcu",
    ),
    # Text search keeps today's substring results, which no bounded index gives (docs/api.md,
    # Journal search): it reads the journal, so its growth is known and capped.
    **{
        f"{operation}.{field}_growth": KnownException(
            2_000,
            "text search reads every entry of the journal (at most 10,000) and matches each: "
            "no bounded index gives today's substring results (docs/api.md, Journal search)",
        )
        for operation in ("journal_search_rare", "journal_search_common")
        for field in ("itemsRead", "rcu", "p50Ms")
    },
}


def _measured(results: Results, operation: str) -> list[dict[str, Any]]:
    """Every summary of one operation: per-operation and at each scaling level."""
    found = []
    summary = results.get("operations", {}).get(operation) or {}
    if "p50Ms" in summary:
        found.append(summary)
    levels = results.get("scaling", {}).get("operations", {}).get(operation) or {}
    found.extend(level for level in levels.values() if "p50Ms" in level)
    return found


def worst(operation: str, field: str) -> Callable[[Results], float | None]:
    def figure(results: Results) -> float | None:
        values = [float(summary[field]) for summary in _measured(results, operation)]
        return max(values) if values else None

    return figure


def growth(operation: str, field: str, from_level: int = 0) -> Callable[[Results], float | None]:
    """The value at the largest scaling level over the value at the smallest (or at
    `from_level`, for a read whose page is not full below it)."""

    def figure(results: Results) -> float | None:
        levels = results.get("scaling", {}).get("operations", {}).get(operation) or {}
        measured = {
            int(level): summary
            for level, summary in levels.items()
            if "p50Ms" in summary and int(level) >= from_level
        }
        if len(measured) < 2:
            return None
        low, high = measured[min(measured)].get(field), measured[max(measured)].get(field)
        if low is None or high is None:
            return None
        if low == 0:
            return 1.0 if high == 0 else float("inf")
        return round(float(high) / float(low), 2)

    return figure


def at_level(operation: str, field: str, level: int) -> Callable[[Results], float | None]:
    """The value at one scaling level (None when that level was not run)."""

    def figure(results: Results) -> float | None:
        levels = results.get("scaling", {}).get("operations", {}).get(operation) or {}
        summary = levels.get(str(level)) or {}
        value = summary.get(field) if "p50Ms" in summary else None
        return None if value is None else float(value)

    return figure


# What a flat operation keeps at 10,000 within RATIO_LIMIT of its figure at 10.
FLAT_FIELDS = (("itemsRead", "items read"), ("rcu", "read capacity"), ("p50Ms", "p50 latency"))


@dataclass(frozen=True)
class Limit:
    """An absolute limit on one summary field: at every level and per operation, or only at
    `level` (a figure the issue gives for one data size)."""

    field: str
    limit: float
    rule: str
    level: int | None = None


@dataclass(frozen=True)
class Scaled:
    """An operation `make bench` measures at every scaling level (bench/run.py `scaling`:
    a user per level whose goal holds that many activities and who has that many journal
    entries). Its name is an operation of bench/run.py OPERATIONS. Adding one is one entry
    in SCALED below."""

    name: str
    label: str
    flat: bool  # meant not to grow: items read, RCU and p50 at the largest level / smallest
    limits: tuple[Limit, ...] = ()
    writes: bool = False  # adds data: measured after the reads, at every level
    from_level: int = 0  # growth is taken from this level up (a page not full below it)

    def budgets(self) -> list[Budget]:
        found = [
            Budget(
                f"{self.name}.{field}_growth",
                f"{self.label}: {title} at 10,000 / at "
                f"{max(self.from_level, 10):,} <= {RATIO_LIMIT}",
                RATIO_LIMIT,
                growth(self.name, field, self.from_level),
            )
            for field, title in (FLAT_FIELDS if self.flat else ())
        ]
        for limit in self.limits:
            where = "at every size" if limit.level is None else f"at {limit.level:,}"
            found.append(
                Budget(
                    f"{self.name}.{limit.field}"
                    + ("" if limit.level is None else f"@{limit.level}"),
                    f"{self.label}: {limit.rule} {where}",
                    limit.limit,
                    worst(self.name, limit.field)
                    if limit.level is None
                    else at_level(self.name, limit.field, limit.level),
                )
            )
        return found


# Every operation measured at 10, 100, 1,000 and 10,000, and what it holds there. The
# absolute limits are issue 15's (the older system's figures, or better).
SCALED: tuple[Scaled, ...] = (
    Scaled("get_goal", "get goal", flat=True),
    Scaled(
        "list_goals",
        "list goals",
        flat=True,
        limits=(Limit("maxRcu", 10, "at most 10 RCU (50 goals per operation)"),),
    ),
    Scaled("progress", "progress (period=current)", flat=True),
    # All time reads rollups (a year of history is about 12 items): not flat, since the
    # history spans more months as the levels grow (bench/seed.py spread_days).
    Scaled(
        "progress_all",
        "progress (period=all)",
        flat=False,
        # About 12 monthly rollups a year, with room for the open month's days and the goal.
        limits=(Limit("maxItemsRead", 50, "at most 50 items read (a year of history)"),),
    ),
    Scaled(
        "progress_year",
        "progress (period=year)",
        flat=False,
        limits=(Limit("maxItemsRead", 50, "at most 50 items read (a year of history)"),),
    ),
    Scaled("get_profile", "get profile", flat=True),
    Scaled("get_journal_entry", "get journal entry", flat=True),
    # A page is 20 entries (100 at most): below 100 entries the page is not full.
    Scaled("list_journal", "list journal", flat=True, from_level=100),
    Scaled(
        "list_journal_web",
        "list journal as the web client asks (limit=1000)",
        flat=True,
        from_level=100,
        limits=(Limit("maxRcu", 12, "at most the older system's 12 RCU", level=100),),
    ),
    Scaled("journal_stats", "journal stats", flat=True),
    # One label reads a page of its pointers and those entries, whatever the journal's size
    # (journal/labels.py); text search reads the journal (a known exception above).
    Scaled("journal_tag_rare", "journal by a tag one entry has (limit=1)", flat=True),
    Scaled("journal_mood", "journal by a mood (limit=3)", flat=True),
    Scaled("journal_search_rare", "journal search, a word one entry has", flat=True),
    Scaled(
        "journal_search_common",
        "journal search, a word every entry has (limit=20)",
        flat=True,
    ),
    Scaled(
        "log_activity",
        "log activity dated today",
        flat=True,
        writes=True,
        limits=(
            Limit("maxWcu", 6, "at most 6 WCU (the transaction's doubling included)"),
            Limit("maxTableWcu", 6, "the table's items at most 6 WCU (indexes apart)"),
        ),
    ),
    # Backdated writes cost what they change: at 1,000 activities over a year, a handful of
    # items read (the older system read 101 for a log dated yesterday): the profile and goal,
    # one fold checkpoint and the days since its week (goals/fold_checkpoints.py).
    Scaled(
        "log_yesterday",
        "log activity dated yesterday",
        flat=True,
        writes=True,
        limits=(
            Limit("maxItemsRead", 10, "at most 10 items read"),
            Limit("maxWcu", 6, "at most 6 WCU"),
            # A week's checkpoint or a closed month's rollup rewritten on the days after
            # their end: 2 more each.
            Limit("maxTableWcu", 10, "the table's items at most 10 WCU (indexes apart)"),
        ),
    ),
    # An edit or a delete rebuilds its day from that day's activities (min, max and the
    # latest measurement stay exact), read with the days either side a time zone may put
    # them on: that read grows with the activities a day (1 at 10, 27 at 10,000), not with
    # the goal's history, so no growth budget; the refold reads what a log dated yesterday
    # does.
    *(
        Scaled(name, label, flat=False, writes=True)
        for name, label in (
            ("edit_activity", "edit an activity dated yesterday"),
            ("delete_activity", "delete an activity dated yesterday"),
        )
    ),
    Scaled(
        "create_goal",
        "create goal",
        flat=True,
        writes=True,
        limits=(
            Limit("maxWcu", 4, "at most 4 WCU"),
            Limit("maxTableWcu", 4, "the table's items at most 4 WCU (indexes apart)"),
        ),
    ),
)


def cold_start_ratio(results: Results) -> float | None:
    ratio = results.get("coldStart", {}).get("ratio")
    return None if ratio is None else float(ratio)


def _erase(results: Results, field: str) -> float | None:
    value = results.get("operations", {}).get("_erase", {}).get(field)
    return None if value is None else float(value)


def _reminders(field: str) -> Callable[[Results], float | None]:
    def figure(results: Results) -> float | None:
        value = results.get("operations", {}).get("_reminders", {}).get(field)
        return None if value is None else float(value)

    return figure


def _export(results: Results, field: str) -> float | None:
    value = results.get("operations", {}).get("_export", {}).get(field)
    return None if value is None else float(value)


def _imported(results: Results, field: str) -> float | None:
    value = results.get("operations", {}).get("_import", {}).get(field)
    return None if value is None else float(value)


def _request_shape(
    operation: str, label: str, requests: int, transactions: int, other_writes: int = 0
) -> list[Budget]:
    """At most `requests` DynamoDB requests, of which `transactions` transactions and
    `other_writes` writes outside them."""
    return [
        Budget(
            f"{operation}.requests",
            f"{label}: at most {requests} request(s)",
            requests,
            worst(operation, "requests"),
        ),
        Budget(
            f"{operation}.transactions",
            f"{label}: at most {transactions} transaction(s)",
            transactions,
            worst(operation, "transactions"),
        ),
        Budget(
            f"{operation}.other_writes",
            f"{label}: at most {other_writes} write(s) outside a transaction",
            other_writes,
            worst(operation, "otherWrites"),
        ),
    ]


def _one_request(operation: str, label: str) -> Budget:
    return Budget(
        f"{operation}.requests", f"{label}: 1 DynamoDB request", 1, worst(operation, "requests")
    )


BUDGETS: list[Budget] = [
    _one_request("get_goal", "get goal"),
    _one_request("list_goals", "list goals"),
    _one_request("list_due_goals", "list goals still due today"),
    _one_request("get_profile", "get profile"),
    _one_request("get_journal_entry", "get journal entry"),
    _one_request("list_journal", "list journal"),
    _one_request("journal_stats", "journal stats"),
    _one_request("get_own_keys", "get own keys"),
    _one_request("check_encryption", "check own encryption"),
    _one_request("list_vacations", "list vacations"),
    # Routes measured since issue 15: the requests each sends at 100 activities and 50 goals.
    *(
        budget
        for shape in (
            # The goal and profile (one BatchGetItem), one transaction.
            ("update_goal", "update a goal", 2, 1),
            ("archive_goal", "archive a goal", 2, 1),
            ("update_journal_entry", "update a journal entry", 2, 1),
            ("create_journal_entry", "create a journal entry", 2, 1),
            # The entry and profile, its shares (one Query), one transaction.
            ("delete_journal_entry", "delete a journal entry", 3, 1),
            # One UpdateItem of the profile.
            ("update_profile", "update profile", 1, 0, 1),
            # The goal, then a page of its activities.
            ("list_activities", "list activities", 2, 0),
            # A backdated write: its items read are budgeted with the scaling (SCALED). The
            # goal and profile, the fold checkpoint before its week and the days since
            # (goals/fold_checkpoints.py), one transaction; on the first of a month, the closed
            # month's days too (its rollup is rebuilt: goals/rollups.py).
            ("log_yesterday", "log activity dated yesterday", 5, 1),
            # And the activity by its id, and its day's activities (the day is rebuilt).
            ("edit_activity", "edit an activity", 7, 1),
            ("delete_activity", "delete an activity", 7, 1),
            # The profile, put in one transaction (Cognito's sign-up is not DynamoDB's).
            ("register", "register", 1, 1),
            # The profile read, and its last sign-in written.
            ("login", "sign in", 2, 0, 1),
        )
        for budget in _request_shape(*shape)
    ),
    # A page of changes is one Query of the sparse SyncIndex, whatever the account holds.
    _one_request("sync", "sync, one page"),
    *(
        Budget(f"{operation}.{field}", f"{label}: {rule}", limit, worst(operation, field))
        for operation, label in (
            ("set_up_keys", "set up keys"),
            ("delete_keys", "delete keys"),
        )
        for field, rule, limit in (
            ("transactions", "one transaction (key record + profile)", 1),
            ("reads", "no read", 0),
            ("otherWrites", "no write outside the transaction", 0),
        )
    ),
    *(
        Budget(f"{operation}.{field}", f"{label}: {rule}", limit, worst(operation, field))
        for operation, label, reads in (
            ("look_up_by_id", "look up by id", 1),
            # The email index, then the key record of the id it names (or of the pseudonym).
            ("look_up_by_email", "look up by email", 2),
        )
        for field, rule, limit in (
            ("reads", f"{reads} read(s)", reads),
            ("otherWrites", "one write: the rate-limit count", 1),
            ("requests", f"{reads + 1} requests in all", reads + 1),
        )
    ),
    # Sessions live in Cognito: no DynamoDB request at all, and the Cognito calls counted
    # apart (GlobalSignOut; ChangePassword, then GlobalSignOut).
    *(
        Budget(f"{operation}.{key}", f"{label}: {rule}", limit, worst(operation, field))
        for operation, label, calls in (
            ("sign_out_everywhere", "sign out everywhere", 1),
            ("change_password", "change password", 2),
        )
        for key, field, rule, limit in (
            ("requests", "requests", "no DynamoDB request", 0),
            ("identity_calls", "identityCalls", f"{calls} Cognito call(s)", calls),
        )
    ),
    Budget(
        "progress.requests",
        "progress (period=current): at most 2 requests, at any scale",
        2,
        worst("progress", "requests"),
    ),
    Budget(
        "progress_all.requests",
        "progress (period=all): at most 2 requests, at any scale",
        2,
        worst("progress_all", "requests"),
    ),
    # Long windows read month rollups (goals/rollups.py): period=all one Query of this month's
    # days and every rollup (they sort together), period=year one more for its partial first
    # month. At 10,000 activities over 365 days that is 12 rollups and up to 31 days, against
    # 10 days at the smallest level: read capacity at most 3x (up to 31 days in this month,
    # and ~12 rollups, against 10), p50 at most 2x (it parses ~43 small items, not 10).
    Budget(
        "progress_year.requests",
        "progress (period=year): at most 3 requests, at any scale",
        3,
        worst("progress_year", "requests"),
    ),
    *(
        Budget(f"{operation}.{field}_growth", f"{label}: {title}", limit, growth(operation, field))
        for operation, label in (
            ("progress_all", "progress (period=all)"),
            ("progress_year", "progress (period=year)"),
        )
        for field, title, limit in (
            ("rcu", "read capacity at 10,000 / at 10 <= 3", 3.0),
            ("p50Ms", "p50 latency at 10,000 / at 10 <= 2", 2.0),
        )
    ),
    Budget(
        "log_activity.transactions",
        "log activity: one transaction",
        1,
        worst("log_activity", "transactions"),
    ),
    Budget(
        "log_activity.other_writes",
        "log activity: no write outside the transaction",
        0,
        worst("log_activity", "otherWrites"),
    ),
    Budget(
        "log_activity.reads", "log activity: at most one read", 1, worst("log_activity", "reads")
    ),
    # A batch of 100 logs on 100 days: the goal, profile and 100 keys (two BatchGetItem), the
    # day aggregates once (the closed months' rollups are rebuilt from them), and 30 + 30 + 30
    # + 10 items in four transactions (goals/batch.py).
    Budget(
        "log_activities.reads",
        "log 100 activities at once: at most 3 reads",
        3,
        worst("log_activities", "reads"),
    ),
    Budget(
        "log_activities.transactions",
        "log 100 activities at once: at most 4 transactions",
        4,
        worst("log_activities", "transactions"),
    ),
    Budget(
        "log_activities.other_writes",
        "log 100 activities at once: no write outside the transactions",
        0,
        worst("log_activities", "otherWrites"),
    ),
    # Pausing and resuming: the goal and profile (one BatchGetItem), the goal's day aggregates
    # (one Query: the write recomputes the goal, a pause may reach back), one transaction.
    # A vacation ahead: the profile, the goal list (one Query) and one transaction writing the
    # profile and all 50 active goals (one reaching back also reads each goal's aggregates).
    *(
        Budget(f"{operation}.{field}", f"{label}: {rule}", limit, worst(operation, field))
        for operation, label in (
            ("pause_goal", "pause a goal"),
            ("resume_goal", "resume a goal"),
            ("add_vacation", "add a vacation"),
            ("cancel_vacation", "cancel a vacation"),
            ("cancel_pause", "cancel a pause ahead"),
        )
        for field, rule, limit in (
            ("requests", "3 requests", 3),
            ("transactions", "one transaction", 1),
            ("otherWrites", "no write outside the transaction", 0),
        )
    ),
    # Sharing: one read and one transaction to share or revoke; a recipient's open is the
    # reader's own entry, pointer and key record in one read, the share, the owner's entry
    # and key record in a second, and the access count.
    Budget("create_share.reads", "share: one read", 1, worst("create_share", "reads")),
    Budget(
        "create_share.transactions",
        "share: one transaction",
        1,
        worst("create_share", "transactions"),
    ),
    Budget(
        "create_share.other_writes",
        "share: no write outside the transaction",
        0,
        worst("create_share", "otherWrites"),
    ),
    Budget("revoke_share.reads", "revoke (owner): one read", 1, worst("revoke_share", "reads")),
    Budget(
        "revoke_share.transactions",
        "revoke: one transaction",
        1,
        worst("revoke_share", "transactions"),
    ),
    Budget(
        "open_shared_entry.reads",
        "open a shared entry: two batched reads",
        2,
        worst("open_shared_entry", "reads"),
    ),
    Budget(
        "open_shared_entry.requests",
        "open a shared entry: two reads and the access count",
        3,
        worst("open_shared_entry", "requests"),
    ),
    Budget(
        "list_shares.requests",
        "list shares (both directions): a query and a batched read each way",
        4,
        worst("list_shares", "requests"),
    ),
    Budget(
        "list_shared_with_me.requests",
        "list shared with me: the pointers, then one batched read",
        2,
        worst("list_shared_with_me", "requests"),
    ),
    *(budget for scaled in SCALED for budget in scaled.budgets()),
    Budget(
        "list_journal_web.requests",
        "list journal as the web client asks: 1 DynamoDB request",
        1,
        worst("list_journal_web", "requests"),
    ),
    *(
        Budget(
            f"{operation}.requests",
            f"{label}: the stats, a page of pointers, the page's entries",
            3,
            worst(operation, "requests"),
        )
        for operation, label in (
            ("journal_tag_rare", "journal by a rare tag"),
            ("journal_mood", "journal by a mood"),
        )
    ),
    _one_request("journal_search_rare", "journal search, a rare word"),
    _one_request("journal_search_common", "journal search, a common word"),
    # A reminder run with 40 reminders armed in one minute: the checkpoint, two minutes'
    # Queries and one BatchGetItem per 50 reminders (goal and profile), so about 0.1 reads per
    # reminder sent; one transaction per reminder (goals/reminder_job.py); none missed.
    Budget(
        "reminder_run.reads_per_sent",
        "a reminder run: reads in proportion to what it sends (at most 0.125 per reminder)",
        0.125,
        _reminders("readsPerSent"),
    ),
    Budget(
        "reminder_run.transactions",
        "a reminder run: one transaction per reminder (40)",
        40,
        _reminders("transactions"),
    ),
    Budget(
        "reminder_run.missed", "a reminder run: every due reminder sent", 0, _reminders("missed")
    ),
    # Deleting an account: the request reads the job and the profile and writes the job
    # record (Cognito's calls are not DynamoDB's); the status is one read. The job's first pass
    # deletes 25 items per BatchWriteItem and reads 100 keys per Query: at most one request
    # per 10 items, whatever the account's size, and nothing left.
    Budget(
        "request_deletion.requests",
        "delete the account (request): two reads and the job record",
        3,
        worst("request_deletion", "requests"),
    ),
    Budget(
        "request_deletion.transactions",
        "delete the account (request): no transaction",
        0,
        worst("request_deletion", "transactions"),
    ),
    _one_request("deletion_status", "deletion status"),
    Budget(
        "erase_large_account.requests_per_item",
        "erase a large account: at most 0.1 DynamoDB requests per item",
        0.1,
        lambda results: _erase(results, "requestsPerItem"),
    ),
    Budget(
        "erase_large_account.left",
        "erase a large account: no item left",
        0,
        lambda results: _erase(results, "left"),
    ),
    # Exporting: the request reads the running and recent exports in one Query and writes the
    # export, its job pointer and the "running now" item in one transaction (the queue's send
    # is SQS's); its status and the list are one read each (the link is signed locally). The
    # job reads the account in pages of up to 1 MB: far under one request per 100 items, and
    # every activity and entry is in the archive.
    Budget(
        "request_export.requests",
        "start an export: one Query and one transaction",
        2,
        worst("request_export", "requests"),
    ),
    Budget(
        "request_export.transactions",
        "start an export: one transaction",
        1,
        worst("request_export", "transactions"),
    ),
    _one_request("export_status", "export status"),
    _one_request("list_exports", "list exports"),
    Budget(
        "export_large_account.requests_per_item",
        "export a large account: at most 0.01 DynamoDB requests per item",
        0.01,
        lambda results: _export(results, "requestsPerItem"),
    ),
    Budget(
        "export_large_account.missing",
        "export a large account: every activity and entry in the archive",
        0,
        lambda results: _export(results, "missing"),
    ),
    # Importing: creating reads whether an import runs, counts the day's imports and writes
    # the record with its job pointer (one transaction); starting reads the import and
    # whether another runs, then moves it (the S3 and SQS calls are not DynamoDB's); the
    # status is one read. The job writes activities 100 per transaction (after one batched
    # read of which exist) and rebuilds each goal's days and progress once; an entry is a read
    # and a transaction (its stats change with it).
    Budget(
        "create_import.requests",
        "create an import: a query, the day's count and one transaction",
        3,
        worst("create_import", "requests"),
    ),
    Budget(
        "create_import.transactions",
        "create an import: one transaction (the record and its job pointer)",
        1,
        worst("create_import", "transactions"),
    ),
    Budget(
        "start_import.requests",
        "start an import: two reads and one conditional update",
        3,
        worst("start_import", "requests"),
    ),
    _one_request("import_status", "import status"),
    Budget(
        "import_large_file.requests_per_record",
        "import a large file: at most 0.3 DynamoDB requests per record",
        0.3,
        lambda results: _imported(results, "requestsPerRecord"),
    ),
    Budget(
        "import_large_file.missing",
        "import a large file: every record imported",
        0,
        lambda results: _imported(results, "missing"),
    ),
    Budget(
        "cold_start.ratio",
        f"app import (CPU time) <= {RATIO_LIMIT}x the floor (chalice + boto3)",
        RATIO_LIMIT,
        cold_start_ratio,
    ),
]


def check(
    results: Results,
    budgets: list[Budget] | None = None,
    known: dict[str, KnownException] | None = None,
) -> list[dict[str, Any]]:
    """Every budget's verdict; `failed` is true for those that must fail the run."""
    known = KNOWN_EXCEPTIONS if known is None else known
    verdicts = []
    for budget in BUDGETS if budgets is None else budgets:
        figure = budget.figure(results)
        exception = known.get(budget.key)
        verdict: dict[str, Any] = {
            "key": budget.key,
            "rule": budget.rule,
            "limit": budget.limit,
            "measured": figure,
            "failed": False,
        }
        if figure is None:
            verdict["status"] = "not measured"
        elif figure <= budget.limit:
            verdict["status"] = "holds"
            if exception:
                verdict["status"] = "holds (now remove it from KNOWN_EXCEPTIONS)"
        elif exception and figure <= exception.ceiling:
            verdict.update(status="broken (known exception)", reason=exception.reason)
        elif exception:
            verdict.update(
                status=f"BROKEN, worse than the known ceiling {exception.ceiling}",
                reason=exception.reason,
                failed=True,
            )
        else:
            verdict.update(status="BROKEN", failed=True)
        verdicts.append(verdict)
    return verdicts

"""What running the API costs per 1,000 active users a month, on AWS list prices, from a
stated usage profile and the figures a `make bench` run measured (issue 15, Deliver 7).

Every request of the profile is an API Gateway (REST) request, a Lambda invocation billed by
the GB-second at the stage's memory for the in-process duration the bench measured (its p50,
rounded up to Lambda's 1 ms), and the read and write request units the bench metered for it.
DynamoDB's on-demand request units are what DynamoDB Local reports as capacity units: a
strongly consistent read of up to 4 KB is 1 RRU (eventually consistent 0.5), a write of up to
1 KB is 1 WRU, and a transaction's reads and writes count twice.

Not counted: Cognito (sign-ins are free up to its MAU tier), CloudWatch logs and metrics, data
transfer, the minute schedule's own invocations of the reminder job (43,200 a month whatever
the number of users), S3 (an export is rare and kept 7 days; the profile has none), and the
storage of the global secondary indexes' projections.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
CHALICE_CONFIG = REPO / ".chalice" / "config.json"

# AWS list prices, us-east-1, as published on 2026-12-02 (on-demand, no free tier counted):
# DynamoDB https://aws.amazon.com/dynamodb/pricing/on-demand/ (Standard table class),
# API Gateway https://aws.amazon.com/api-gateway/pricing/ (REST APIs, first 333 million),
# Lambda https://aws.amazon.com/lambda/pricing/ (x86, first 6 billion GB-seconds),
# SES https://aws.amazon.com/ses/pricing/ (outbound email).
DYNAMODB_PER_MILLION_WRU = 1.25
DYNAMODB_PER_MILLION_RRU = 0.25
DYNAMODB_PER_GB_MONTH = 0.25
API_GATEWAY_REST_PER_MILLION = 3.50
LAMBDA_PER_GB_SECOND = 0.0000166667
LAMBDA_PER_MILLION_REQUESTS = 0.20
SES_PER_THOUSAND_EMAILS = 0.10
DYNAMODB_ITEM_OVERHEAD_BYTES = 100  # DynamoDB bills 100 bytes of indexing overhead per item
GB = 1024**3
USERS = 1_000

PARTS = (
    "DynamoDB reads",
    "DynamoDB writes",
    "DynamoDB storage",
    "API Gateway",
    "Lambda compute",
    "Lambda requests",
    "SES",
)


@dataclass(frozen=True)
class UsageProfile:
    """One active user's month. The calls are bench operations (bench/run.py OPERATIONS)."""

    days_per_month: float = 30.4
    # Per day: 5 logs (4 dated today, 1 backdated to yesterday), 20 reads as the web and phone
    # clients make them when opened (the goal list, what is still due, a goal and its progress,
    # the journal), and 1 journal entry.
    calls_per_day: tuple[tuple[str, float], ...] = (
        ("log_activity", 4),
        ("log_yesterday", 1),
        ("list_goals", 4),
        ("list_due_goals", 2),
        ("get_goal", 3),
        ("progress", 4),
        ("progress_all", 1),
        ("get_profile", 1),
        ("list_journal_web", 2),
        ("get_journal_entry", 2),
        ("journal_stats", 1),
        ("create_journal_entry", 1),
    )
    reminder_emails_per_day: float = 1
    # The stored account: a year in, 5 goals of 365 logs each and 365 journal entries.
    stored_activities: int = 5 * 365
    stored_entries: int = 365
    # The scaling level whose figures stand for this account's goal (a goal a year in holds
    # about 1,000 activities); operations not measured there take the per-operation figures.
    scaling_level: int = 1_000


@dataclass(frozen=True)
class OperationCost:
    """What one call of an operation consumed, as measured."""

    rcu: float
    wcu: float
    p50_ms: float


@dataclass(frozen=True)
class Measured:
    operations: dict[str, OperationCost]
    reminder_rcu: float = 0.0  # the reminder job's capacity per reminder sent
    reminder_wcu: float = 0.0
    bytes_per_activity: float = 0.0  # the goal's partition (activities, days, rollups) / activity
    bytes_per_entry: float = 0.0  # the user's partition / journal entry


@dataclass(frozen=True)
class CostReport:
    memory_mb: int
    parts: dict[str, float]  # dollars per 1,000 active users a month
    by_operation: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.parts.values())

    def share(self, part: str) -> float:
        return self.parts[part] / self.total if self.total else 0.0

    def total_at(self, memory_mb: int) -> float:
        """The total with the Lambda function at another memory size (the same durations:
        the in-process figures are this machine's, not Lambda's at either size)."""
        compute = self.parts["Lambda compute"]
        return self.total - compute + compute * memory_mb / self.memory_mb


def lambda_memory(stage: str, config: Path = CHALICE_CONFIG) -> int:
    """The API function's memory in a stage of .chalice/config.json (Chalice's 128 MB
    default when the stage sets none)."""
    settings = json.loads(config.read_text())
    stage_settings = settings.get("stages", {}).get(stage, {})
    return int(
        stage_settings.get("lambda_memory_size") or settings.get("lambda_memory_size") or 128
    )


def deployed_stages(config: Path = CHALICE_CONFIG) -> dict[str, int]:
    """Every deployed stage (not `local`) with its API function's memory."""
    stages = json.loads(config.read_text()).get("stages", {})
    return {stage: lambda_memory(stage, config) for stage in stages if stage != "local"}


def monthly_cost(profile: UsageProfile, measured: Measured, memory_mb: int) -> CostReport:
    """Dollars per 1,000 active users a month, by part and by operation."""
    month = USERS * profile.days_per_month
    gb = memory_mb / 1024
    parts = dict.fromkeys(PARTS, 0.0)
    by_operation: dict[str, float] = {}
    for name, per_day in profile.calls_per_day:
        op = measured.operations.get(name)
        if op is None:
            raise KeyError(f"no measured figures for {name}")
        calls = per_day * month
        spent = {
            "DynamoDB reads": calls * op.rcu * DYNAMODB_PER_MILLION_RRU / 1e6,
            "DynamoDB writes": calls * op.wcu * DYNAMODB_PER_MILLION_WRU / 1e6,
            "API Gateway": calls * API_GATEWAY_REST_PER_MILLION / 1e6,
            # Lambda bills duration rounded up to the millisecond.
            "Lambda compute": calls * math.ceil(op.p50_ms) / 1000 * gb * LAMBDA_PER_GB_SECOND,
            "Lambda requests": calls * LAMBDA_PER_MILLION_REQUESTS / 1e6,
        }
        for part, dollars in spent.items():
            parts[part] += dollars
        by_operation[name] = sum(spent.values())
    emails = profile.reminder_emails_per_day * month
    reminders = {
        "DynamoDB reads": emails * measured.reminder_rcu * DYNAMODB_PER_MILLION_RRU / 1e6,
        "DynamoDB writes": emails * measured.reminder_wcu * DYNAMODB_PER_MILLION_WRU / 1e6,
        "SES": emails * SES_PER_THOUSAND_EMAILS / 1000,
    }
    for part, dollars in reminders.items():
        parts[part] += dollars
    by_operation["reminder_email"] = sum(reminders.values())
    stored = (
        profile.stored_activities * measured.bytes_per_activity
        + profile.stored_entries * measured.bytes_per_entry
    )
    parts["DynamoDB storage"] = USERS * stored / GB * DYNAMODB_PER_GB_MONTH
    return CostReport(memory_mb, parts, by_operation)


def measured_from(results: dict[str, Any], profile: UsageProfile) -> Measured:
    """The figures of one run (bench/results/latest.json): each operation at the profile's
    scaling level when measured there, else per operation."""
    per_operation = results.get("operations", {})
    scaled = results.get("scaling", {}).get("operations", {})
    operations = {}
    for name, _ in profile.calls_per_day:
        summary = (scaled.get(name) or {}).get(str(profile.scaling_level)) or {}
        if "p50Ms" not in summary:
            summary = per_operation.get(name) or {}
        if "p50Ms" in summary:
            operations[name] = OperationCost(
                float(summary["rcu"]), float(summary["wcu"]), float(summary["p50Ms"])
            )
    reminders = per_operation.get("_reminders") or {}
    sent = reminders.get("sent") or 0
    storage = (results.get("scaling", {}).get("storage") or {}).get(str(profile.scaling_level))
    storage = storage or {}
    return Measured(
        operations,
        reminder_rcu=float(reminders.get("rcu", 0)) / sent if sent else 0.0,
        reminder_wcu=float(reminders.get("wcu", 0)) / sent if sent else 0.0,
        bytes_per_activity=float(storage.get("bytesPerActivity", 0)),
        bytes_per_entry=float(storage.get("bytesPerEntry", 0)),
    )


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB bills it (names and values, in the wire format's typed
    values), without the per-item storage overhead."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: dict[str, Any]) -> int:
    [(kind, inner)] = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(text.encode()) for text in inner)
    if kind == "NS":
        return sum(_value_bytes({"N": number}) for number in inner)
    if kind == "BS":
        return sum(len(data) for data in inner)
    if kind == "L":
        return 3 + sum(1 + _value_bytes(element) for element in inner)
    if kind == "M":
        return 3 + sum(
            1 + len(name.encode()) + _value_bytes(element) for name, element in inner.items()
        )
    raise ValueError(f"unknown DynamoDB type {kind}")


def _dollars(value: float) -> str:
    return f"${value:,.2f}" if value >= 1 else f"${value:,.4f}"


def table(report: CostReport, profile: UsageProfile, stages: dict[str, int]) -> list[str]:
    """The Markdown table `make bench` prints and writes into bench/results/README.md."""
    lines = [
        "| part | $ per 1,000 active users a month | share |",
        "|---|---|---|",
        *(
            f"| {part} | {_dollars(report.parts[part])} | {report.share(part):.1%} |"
            for part in sorted(PARTS, key=lambda part: -report.parts[part])
        ),
        f"| **total** | **{_dollars(report.total)}** | 100% |",
        "",
        "Top operations by cost (all parts but storage):",
        "",
        "| operation | calls per user a day | $ per 1,000 users a month | share of the total |",
        "|---|---|---|---|",
    ]
    per_day = dict(profile.calls_per_day) | {"reminder_email": profile.reminder_emails_per_day}
    ranked = sorted(report.by_operation.items(), key=lambda pair: -pair[1])
    for name, dollars in ranked[:8]:
        share = dollars / report.total if report.total else 0.0
        lines.append(f"| {name} | {per_day[name]:g} | {_dollars(dollars)} | {share:.1%} |")
    others = ", ".join(
        f"{stage} ({memory} MB) {_dollars(report.total_at(memory))}"
        for stage, memory in stages.items()
        if memory != report.memory_mb
    )
    if others:
        lines += ["", f"The same at the other stages' Lambda memory: {others}."]
    return lines


HEADLINE_STAGE = "prod"


def summary(
    results: dict[str, Any], profile: UsageProfile | None = None, stage: str = HEADLINE_STAGE
) -> dict[str, Any]:
    """The cost of a run's figures, as latest.json keeps it (with its Markdown table).
    Operations of the profile the run did not measure are left out and named."""
    profile = profile or UsageProfile()
    measured = measured_from(results, profile)
    missing = [name for name, _ in profile.calls_per_day if name not in measured.operations]
    if missing:
        profile = replace(
            profile,
            calls_per_day=tuple(
                (name, count) for name, count in profile.calls_per_day if name not in missing
            ),
        )
    stages = deployed_stages()
    report = monthly_cost(profile, measured, stages.get(stage, lambda_memory(stage)))
    return {
        "stage": stage,
        "memoryMb": report.memory_mb,
        "profile": asdict(profile),
        "measured": asdict(measured),
        "notMeasured": missing,
        "parts": {part: round(dollars, 6) for part, dollars in report.parts.items()},
        "total": round(report.total, 6),
        "byOperation": {name: round(dollars, 6) for name, dollars in report.by_operation.items()},
        "totalAtStages": {
            name: round(report.total_at(memory), 6) for name, memory in stages.items()
        },
        "table": table(report, profile, stages),
    }


def lines(cost: dict[str, Any]) -> list[str]:
    """What `make bench` prints: the profile in a sentence, then the table."""
    profile = cost["profile"]
    calls = ", ".join(f"{count:g} {name}" for name, count in profile["calls_per_day"])
    missing = cost["notMeasured"]
    return [
        f"Cost per 1,000 active users a month, AWS list prices (us-east-1), stage "
        f"{cost['stage']} ({cost['memoryMb']} MB Lambda): {_dollars(cost['total'])}.",
        "",
        f"Usage per user a day: {calls}; {profile['reminder_emails_per_day']:g} reminder email. "
        f"Stored: {profile['stored_activities']:,} activities and "
        f"{profile['stored_entries']:,} journal entries. Figures at the scaling level "
        f"{profile['scaling_level']:,} where measured there, else per operation."
        + (f" Not measured in this run, left out: {', '.join(missing)}." if missing else ""),
        "",
        *cost["table"],
    ]

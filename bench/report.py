"""Writes a run's results: latest.json, README.md (Markdown tables) and PNG plots."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.budgets import KNOWN_EXCEPTIONS, SCALED

SCALING_PLOTS = ("scaling_latency.png", "scaling_capacity.png")
OPERATIONS_PLOT = "operations_latency.png"
# Operations not meant to stay flat as data grows (bench/budgets.py SCALED).
GROWING = tuple(scaled.name for scaled in SCALED if not scaled.flat)


def write(results: dict[str, Any], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, out_dir)
    (out_dir / "README.md").write_text(markdown(results))


def _measured(summary: dict[str, Any]) -> bool:
    return "p50Ms" in summary


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def markdown(results: dict[str, Any]) -> str:
    meta = results["meta"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` ([bench/run.py](../run.py)) on {meta['date']} at commit "
        f"`{meta['commit']}`: {meta['machine']}, Python {meta['python']}, "
        f"{meta.get('dynamodb', '-')}. The app is invoked in-process with API Gateway (REST) "
        "proxy events and a real Cognito access token (moto), so every figure includes token "
        "verification, routing, validation, the DynamoDB calls over HTTP and the JSON log "
        f"line. The run took {meta['seconds']['total']:.0f} s. Raw figures: "
        "[latest.json](latest.json).",
        "",
        "Latencies are DynamoDB Local's, on this machine: compare them with each other and "
        "across data sizes, not with AWS. Requests and capacity are exact: the app's own "
        "DynamoDB client is metered through botocore events, with `ReturnConsumedCapacity="
        "TOTAL` added to every request (strongly consistent reads; transactional writes cost "
        "twice). DynamoDB Local reports 0 RCU for a Query that finds nothing.",
        "",
        *_load(meta),
        *_budgets(results),
        *_cost(results.get("cost")),
        *_cold_start(results["coldStart"]),
        *_package(results["package"]),
        *_operations(results["operations"]),
        *_export(results["operations"].get("_export")),
        *_erase(results["operations"].get("_erase")),
        *_scaling(results["scaling"]),
    ]
    return "\n".join(lines) + "\n"


def _load(meta: dict[str, Any]) -> list[str]:
    load = meta.get("loadAverage")
    if not load:
        return []
    return [
        f"Load average (1, 5, 15 min) at the start: {', '.join(map(str, load['start']))}; "
        f"at the end: {', '.join(map(str, load['end']))}. Other work on the machine shows "
        "in the per-operation latencies first; the scaling rounds are interleaved, so it "
        "hits every level alike.",
        "",
    ]


def _budgets(results: dict[str, Any]) -> list[str]:
    lines = ["## Budgets", "", "| budget | limit | measured | verdict |", "|---|---|---|---|"]
    for verdict in results["budgets"]:
        status = verdict["status"]
        shown = f"**{status}**" if status != "holds" else status
        lines.append(
            f"| {verdict['rule']} | {_number(verdict['limit'])} | "
            f"{_number(verdict['measured'])} | {shown} |"
        )
    broken = [v for v in results["budgets"] if v.get("reason")]
    lines += [
        "",
        "Ratios are the largest scaling level over the smallest. Request counts are "
        "the most any sample sent, per operation and at every scaling level.",
    ]
    if broken:
        lines += ["", "### Budgets that do not hold", ""]
        for verdict in broken:
            lines.append(
                f"- **{verdict['rule']}**: measured {_number(verdict['measured'])} "
                f"(limit {_number(verdict['limit'])}). {verdict['reason']}"
            )
    unused = [key for key in KNOWN_EXCEPTIONS if key not in {v["key"] for v in broken}]
    if unused:
        lines += ["", "Known exceptions that now hold: " + ", ".join(unused) + "."]
    return [*lines, ""]


def _cost(cost: dict[str, Any] | None) -> list[str]:
    if not cost:
        return []
    from bench.cost import lines

    return [
        "## Cost per 1,000 active users a month",
        "",
        "From [bench/cost.py](../cost.py): AWS list prices (named there with their source and "
        "date), the usage profile below, and this run's figures: each operation's RCU and WCU "
        "(on-demand request units), its in-process p50 as the Lambda duration at the stage's "
        "memory (.chalice/config.json), one API Gateway REST request and one Lambda "
        "invocation per call, SES per reminder email, and the bytes stored per activity and "
        "per journal entry measured in the scaling users' partitions (with DynamoDB's 100 "
        "bytes per item). What is not counted is listed in bench/cost.py.",
        "",
        *lines(cost),
        "",
    ]


def _cold_start(cold: dict[str, Any]) -> list[str]:
    heaviest = ", ".join(f"{item['package']} {item['ms']:g} ms" for item in cold["heaviest"])
    return [
        "## Cold start",
        "",
        f'Median of {cold["runs"]} fresh processes each (`python -c "import app"` with the '
        "local stage's settings, against `import chalice, boto3`), alternating, after one "
        "warm-up each. The import is timed inside the process, by the wall clock and by CPU "
        "time; the process time includes the interpreter's start and exit. The budget is on "
        "the CPU-time ratio, which a busy machine does not distort (the wall clock counts the "
        "waits for a core).",
        "",
        "| | import, CPU | import, wall clock | whole process |",
        "|---|---|---|---|",
        f"| app | {cold['appImportCpuMs']:g} ms | {cold['appImportMs']:g} ms | "
        f"{cold['appProcessMs']:g} ms |",
        f"| floor: chalice + boto3 | {cold['floorImportCpuMs']:g} ms | "
        f"{cold['floorImportMs']:g} ms | {cold['floorProcessMs']:g} ms |",
        f"| ratio | **{cold['ratio']:g}x** | {cold['wallRatio']:g}x | {cold['processRatio']:g}x |",
        "",
        f"Where the difference goes (`-X importtime` self time by top-level package, least of "
        f"3 runs, packages the floor does not import): {heaviest}.",
        "",
    ]


def _package(package: dict[str, Any]) -> list[str]:
    largest = ", ".join(
        f"{item['entry']} {item['compressedMB']:g} MB" for item in package["largest"]
    )
    return [
        "## Package",
        "",
        f"`deployment.zip` of the dev stage, built like `make package STAGE=dev`: "
        f"**{package['zipMB']:g} MB** ({package['zipBytes']:,} bytes; "
        f"{package['unzippedMB']:g} MB unzipped). Largest entries, compressed: {largest}.",
        "",
    ]


def _shape(account: dict[str, Any]) -> str:
    """The large account's shape: '60 goals (10 archived) with 2,000 activities each and
    10,000 journal entries'."""
    archived = account.get("archivedGoals")
    return (
        f"{account['goals']} goals{f' ({archived} archived)' if archived else ''} with "
        f"{account['activitiesPerGoal']:,} activities each and "
        f"{account['journalEntries']:,} journal entries"
    )


def _export(export: dict[str, Any] | None) -> list[str]:
    if not export:
        return []
    return [
        "## Exporting the largest account",
        "",
        f"{_shape(export)}: {export['items']:,} items. The export "
        f"job (run in-process as its handler runs it) read them and wrote a "
        f"{(export['archiveBytes'] or 0) / 1_048_576:.1f} MB ZIP to the stack's S3 (moto) by "
        f"multipart upload in {export['seconds']:g} s ({export['itemsPerSecond']:g} items/s), "
        f"with {export['requests']:,} DynamoDB requests ({export['requestsPerItem']:g} per "
        f"item), {export['rcu']:g} RCU (eventually consistent reads) and {export['wcu']:g} WCU; "
        f"{export['missing']} activities or entries missing from it. The same account is then "
        "deleted (below).",
        "",
    ]


def _erase(erase: dict[str, Any] | None) -> list[str]:
    if not erase:
        return []
    return [
        "## Deleting the largest account",
        "",
        f"{_shape(erase)}: {erase['items']:,} items. The job's "
        f"first pass (run in-process as its handler runs it) erased them in "
        f"{erase['seconds']:g} s ({erase['itemsPerSecond']:g} items/s) with "
        f"{erase['requests']:,} DynamoDB requests ({erase['requestsPerItem']:g} per item), "
        f"{erase['rcu']:g} RCU and {erase['wcu']:g} WCU; {erase['left']} items left. On "
        "AWS the job runs up to 15 minutes per message and continues itself when it needs "
        "longer.",
        "",
    ]


def _operations(operations: dict[str, Any]) -> list[str]:
    setup = operations.get("_setup", {})
    seeded = setup.get("seededGoal", {})
    lines = [
        "## Per operation",
        "",
        f"One user with {setup.get('goals', '-')} goals; get, log and progress use a daily "
        f"goal holding {seeded.get('activities', '-')} activities over {seeded.get('days', '-')} "
        f"days (plus the logs measured here); the journal reads see "
        f"{setup.get('journalEntries', 0)} entries. Each operation was called "
        f"{_samples(operations)} times (create goal 50 times, building the list).",
        "",
        "| operation | route | p50 ms | p95 ms | DynamoDB requests | calls | RCU | WCU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, summary in operations.items():
        if name.startswith("_"):
            continue
        if not _measured(summary):
            lines.append(
                f"| {summary['label']} | `{summary['route']}` | "
                f"{summary.get('status', '-')} | | | | | |"
            )
            continue
        calls = summary["calls"]
        if summary.get("identityCallSequence"):
            # The session routes call Cognito, not the table.
            calls = " + ".join(filter(None, (calls, f"Cognito {summary['identityCallSequence']}")))
        lines.append(
            f"| {summary['label']} | `{summary['route']}` | {summary['p50Ms']:g} | "
            f"{summary['p95Ms']:g} | {summary['requests']} | {calls} | "
            f"{summary['rcu']:g} | {summary['wcu']:g} |"
        )
    return [*lines, "", f"![per-operation latency]({OPERATIONS_PLOT})", ""]


def _samples(operations: dict[str, Any]) -> str:
    counts = {
        s["samples"]
        for name, s in operations.items()
        if not name.startswith("_") and _measured(s) and name != "create_goal"
    }
    return "/".join(str(count) for count in sorted(counts)) or "-"


def _scaling(scaling: dict[str, Any]) -> list[str]:
    levels = [str(level) for level in scaling["levels"]]
    seed = scaling["seed"]
    spread = "; ".join(f"{int(level):,}: {seed[level]['days']} days" for level in levels)
    lines = [
        "## Scaling",
        "",
        "A user per level, whose one goal holds that many activities (spread over days, so the "
        f"day aggregates grow too: {spread}) and who has that many journal entries. Activities "
        "are written straight to the table with the app's own functions (bench/seed.py); "
        "journal entries go through the API. The reads are then measured in interleaved rounds "
        "over all levels; the writes after them, at every level in turn. Each cell: p50 ms / "
        "items read / RCU / WCU / requests.",
        "",
        "| operation | "
        + " | ".join(f"{int(level):,}" for level in levels)
        + f" | p50 {levels[-1]}/{levels[0]} | items {levels[-1]}/{levels[0]} "
        f"| RCU {levels[-1]}/{levels[0]} |",
        "|---|" + "---|" * (len(levels) + 3),
    ]
    for name, per_level in scaling["operations"].items():
        if not all(level in per_level for level in levels):
            lines.append(f"| {name} | {per_level.get('status', '-')} |" + " |" * (len(levels) + 2))
            continue
        cells = [
            f"{per_level[level]['p50Ms']:g} / {_number(per_level[level].get('itemsRead'))} / "
            f"{per_level[level]['rcu']:g} / {per_level[level]['wcu']:g} / "
            f"{per_level[level]['requests']}"
            for level in levels
        ]
        low, high = per_level[levels[0]], per_level[levels[-1]]
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {_ratio(high['p50Ms'], low['p50Ms'])} | "
            f"{_ratio(high.get('itemsRead', 0), low.get('itemsRead', 0))} | "
            f"{_ratio(high['rcu'], low['rcu'])} |"
        )
    probe = scaling.get("emulatorProbe")
    if probe:
        median, ratio = probe["medianMs"], probe["ratio"]
        items = probe["partitionItems"]
        lines += [
            "",
            "Key-condition probe: the list-goals Query sent straight to DynamoDB Local, in "
            f"the partitions of the smallest level's user ({items['small']:,} journal entries) "
            f"and the largest's ({items['large']:,}), median ms:",
            "",
            "| key condition | small | large | large / small |",
            "|---|---|---|---|",
            "| `begins_with(SK, 'GOAL#')` | "
            f"{median['beginsWith']['small']:g} | {median['beginsWith']['large']:g} | "
            f"{ratio['beginsWith']:g} |",
            f"| `SK BETWEEN 'GOAL#' AND 'GOAL#\\uffff'` (what the app sends) | "
            f"{median['between']['small']:g} | "
            f"{median['between']['large']:g} | {ratio['between']:g} |",
        ]
    sizes = ", ".join(
        f"{int(level):,}: {seed[level]['goalItemBytes']:,}"
        for level in levels
        if "goalItemBytes" in seed[level]
    )
    lines += [
        "",
        f"Goal item size in bytes (as JSON) by level: {sizes}. It grows until "
        "`periodHistory` holds its 30 periods, then stays put; that is the small step in "
        "get goal and list goals between 10 and 100.",
    ]
    lines += [
        "",
        "Operations not meant to stay flat (no growth budget): "
        + (", ".join(f"`{name}`" for name in GROWING) or "none")
        + ". The budgets above say which limit each operation holds at which size "
        "(bench/budgets.py SCALED). The capacity plot has a panel per operation: RCU and WCU "
        "per request (left axis) and items read (right axis) against data size." + " "
        "`progress_all` and `progress_year` read the month rollups of the goal's closed "
        "months and the days of its partial months (goals/rollups.py), about 12 + 31 small "
        "items at 10,000 activities. `log_activity` is measured after the reads (it adds "
        "data).",
        "",
        *(f"![{name}]({name})" for name in SCALING_PLOTS),
        "",
    ]
    return lines


def _ratio(high: float, low: float) -> str:
    if low == 0:
        return "-" if high == 0 else "inf"
    return f"{high / low:.2f}"


def plot(results: dict[str, Any], out_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scaling = results["scaling"]
    levels = [str(level) for level in scaling["levels"]]
    xs = [int(level) for level in levels]
    measured = {
        name: per_level
        for name, per_level in scaling["operations"].items()
        if all(level in per_level for level in levels)
    }

    flat = {name: per_level for name, per_level in measured.items() if name not in GROWING}
    growing = {name: per_level for name, per_level in measured.items() if name in GROWING}
    panels = (
        ("reads that must stay flat", flat),
        ("logging: grows with the goal's days", growing),
    )
    xlabel = "activities on the goal / journal entries of the user"

    figure, axes = plt.subplots(1, 2, figsize=(13, 5))
    for axis, (title, chosen) in zip(axes, panels, strict=True):
        for name, per_level in chosen.items():
            line = axis.plot(
                xs, [per_level[level]["p50Ms"] for level in levels], marker="o", label=name
            )
            axis.plot(
                xs,
                [per_level[level]["p95Ms"] for level in levels],
                linestyle=":",
                color=line[0].get_color(),
            )
        _style_axis(axis, xlabel, "ms (solid p50, dotted p95)", title)
    _save(
        figure, "Latency as data grows (in-process app, DynamoDB Local)", out_dir / SCALING_PLOTS[0]
    )

    _capacity_grid(measured, levels, out_dir / SCALING_PLOTS[1])

    operations = {
        name: summary
        for name, summary in results["operations"].items()
        if not name.startswith("_") and _measured(summary)
    }
    figure, axis = plt.subplots(figsize=(8, 5))
    names = list(operations)
    positions = range(len(names))
    axis.barh(
        [p + 0.2 for p in positions],
        [operations[n]["p50Ms"] for n in names],
        height=0.4,
        label="p50",
    )
    axis.barh(
        [p - 0.2 for p in positions],
        [operations[n]["p95Ms"] for n in names],
        height=0.4,
        label="p95",
    )
    axis.set_yticks(list(positions), [operations[n]["label"] for n in names])
    axis.invert_yaxis()
    axis.set(xlabel="ms", title="Latency per operation (DynamoDB Local, in-process)")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out_dir / OPERATIONS_PLOT, dpi=100)
    plt.close(figure)


def _capacity_grid(measured: dict[str, Any], levels: list[str], path: Path) -> None:
    """A panel per operation: RCU and WCU per request (left axis) and items read (right
    axis) at each data size, the sizes on a log scale."""
    import matplotlib.pyplot as plt

    xs = [int(level) for level in levels]
    columns = 4
    rows = max(1, -(-len(measured) // columns))
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 3.2 * rows), squeeze=False)
    for axis, (name, per_level) in zip(axes.flat, measured.items(), strict=False):
        for field, style in (("rcu", "o-"), ("wcu", "s--")):
            axis.plot(xs, [per_level[level][field] for level in levels], style, label=field.upper())
        items = axis.twinx()
        items.plot(
            xs,
            [per_level[level].get("itemsRead", 0) for level in levels],
            "^:",
            color="tab:green",
            label="items read",
        )
        items.set_ylim(bottom=0)
        items.set_ylabel("items read", color="tab:green", fontsize=8)
        axis.set(xscale="log", title=name)
        axis.set_ylim(bottom=0)
        axis.set_ylabel("capacity units", fontsize=8)
        axis.grid(True, which="both", alpha=0.3)
        handles = axis.get_legend_handles_labels()
        more = items.get_legend_handles_labels()
        axis.legend(handles[0] + more[0], handles[1] + more[1], fontsize=7, loc="upper left")
    for axis in list(axes.flat)[len(measured) :]:
        axis.set_visible(False)
    _save(
        figure,
        "Capacity per request as data grows: activities on the goal / journal entries "
        "(DynamoDB Local's ConsumedCapacity, log scale)",
        path,
    )


def _style_axis(axis: Any, xlabel: str, ylabel: str, title: str) -> None:
    """One scaling panel: data sizes on a log scale, values from zero."""
    axis.set(xscale="log", xlabel=xlabel, ylabel=ylabel, title=title)
    axis.set_ylim(bottom=0)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=8)


def _save(figure: Any, title: str, path: Path) -> None:
    import matplotlib.pyplot as plt

    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)

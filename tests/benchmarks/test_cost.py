"""The cost per 1,000 active users (bench/cost.py), against figures computed by hand."""

import json

import pytest

from bench import cost

# One user's day: one log. 1,000 users x 30 days = 30,000 logs a month.
PROFILE = cost.UsageProfile(
    days_per_month=30,
    calls_per_day=(("log_activity", 1),),
    reminder_emails_per_day=1,
    stored_activities=1024,
    stored_entries=0,
)
MEASURED = cost.Measured(
    operations={"log_activity": cost.OperationCost(rcu=2, wcu=6, p50_ms=9.2)},
    reminder_rcu=0.5,
    reminder_wcu=4,
    bytes_per_activity=1024,
)


def test_each_part_by_hand():
    report = cost.monthly_cost(PROFILE, MEASURED, memory_mb=1024)
    parts = report.parts
    # Reads: 30,000 x 2 RRU = 60,000 x $0.25/M = $0.015; the reminder job's 30,000 x 0.5 =
    # 15,000 RRU = $0.00375.
    assert parts["DynamoDB reads"] == pytest.approx(0.015 + 0.00375)
    # Writes: 30,000 x 6 WRU = 180,000 x $1.25/M = $0.225; reminders 120,000 WRU = $0.15.
    assert parts["DynamoDB writes"] == pytest.approx(0.225 + 0.15)
    # API Gateway: 30,000 x $3.50/M.
    assert parts["API Gateway"] == pytest.approx(0.105)
    # Lambda: 9.2 ms bills as 10 ms; 30,000 x 0.010 s x 1 GB = 300 GB-s x $0.0000166667.
    assert parts["Lambda compute"] == pytest.approx(300 * 0.0000166667)
    assert parts["Lambda requests"] == pytest.approx(0.006)
    # SES: 30,000 emails x $0.10 per 1,000.
    assert parts["SES"] == pytest.approx(3.0)
    # Storage: 1,024 activities x 1 KiB = 1 MiB a user; 1,000 MiB = 0.9765625 GiB x $0.25.
    assert parts["DynamoDB storage"] == pytest.approx(0.244140625)
    assert report.total == pytest.approx(
        0.01875 + 0.375 + 0.105 + 0.00500001 + 0.006 + 3.0 + 0.244140625
    )
    assert report.share("SES") == pytest.approx(3.0 / report.total)
    assert report.by_operation["log_activity"] == pytest.approx(
        0.015 + 0.225 + 0.105 + 0.00500001 + 0.006
    )
    assert report.by_operation["reminder_email"] == pytest.approx(3.0 + 0.00375 + 0.15)


def test_half_the_memory_halves_the_compute_only():
    report = cost.monthly_cost(PROFILE, MEASURED, memory_mb=1024)
    half = cost.monthly_cost(PROFILE, MEASURED, memory_mb=512)
    assert half.parts["Lambda compute"] == pytest.approx(report.parts["Lambda compute"] / 2)
    assert report.total_at(512) == pytest.approx(half.total)


def test_an_operation_without_figures_is_an_error_not_free():
    with pytest.raises(KeyError, match="list_goals"):
        cost.monthly_cost(
            cost.UsageProfile(calls_per_day=(("list_goals", 1),)), MEASURED, memory_mb=512
        )


def test_item_bytes_count_names_and_values():
    assert cost.item_bytes({"PK": {"S": "USER#1"}}) == 2 + 6
    assert cost.item_bytes({"n": {"N": "123"}}) == 1 + 3  # 3 digits: 2 bytes + 1
    assert cost.item_bytes({"b": {"BOOL": True}}) == 2
    # A map: 3 bytes, and per element 1 byte, its name and its value.
    assert cost.item_bytes({"m": {"M": {"ab": {"S": "x"}}}}) == 1 + 3 + 1 + 2 + 1
    assert cost.item_bytes({"l": {"L": [{"S": "ab"}, {"N": "5"}]}}) == 1 + 3 + (1 + 2) + (1 + 2)


def test_each_stage_memory_is_read_from_the_chalice_config(tmp_path):
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "stages": {
                    "local": {},
                    "dev": {"lambda_memory_size": 512},
                    "prod": {"lambda_memory_size": 1024},
                }
            }
        )
    )
    assert cost.deployed_stages(config) == {"dev": 512, "prod": 1024}
    assert cost.lambda_memory("local", config) == 128  # Chalice's default
    # The project's own stages all set one.
    assert set(cost.deployed_stages()) == {"dev", "staging", "prod"}


def _results() -> dict:
    summary = {"p50Ms": 10.0, "rcu": 1.0, "wcu": 0.0}
    return {
        "operations": {
            "get_goal": summary,
            "log_activity": {"p50Ms": 50.0, "rcu": 2.0, "wcu": 6.0},
            "_reminders": {"sent": 40, "rcu": 4.0, "wcu": 160.0},
        },
        "scaling": {
            "operations": {"log_activity": {"1000": {"p50Ms": 60.0, "rcu": 2.0, "wcu": 12.0}}},
            "storage": {"1000": {"bytesPerActivity": 300.0, "bytesPerEntry": 900.0}},
        },
    }


def test_figures_come_from_the_profile_level_else_per_operation():
    profile = cost.UsageProfile(calls_per_day=(("get_goal", 1), ("log_activity", 1)))
    measured = cost.measured_from(_results(), profile)
    assert measured.operations["log_activity"] == cost.OperationCost(2.0, 12.0, 60.0)
    assert measured.operations["get_goal"] == cost.OperationCost(1.0, 0.0, 10.0)
    assert (measured.reminder_rcu, measured.reminder_wcu) == (0.1, 4.0)
    assert (measured.bytes_per_activity, measured.bytes_per_entry) == (300.0, 900.0)


def test_the_summary_names_what_it_left_out_and_prints_a_table():
    profile = cost.UsageProfile(calls_per_day=(("get_goal", 20), ("progress", 4)))
    summary = cost.summary(_results(), profile)
    assert summary["notMeasured"] == ["progress"]
    assert summary["stage"] == "prod"
    assert summary["memoryMb"] == 1024
    printed = "\n".join(cost.lines(summary))
    for part in cost.PARTS:
        assert f"| {part} |" in printed
    assert "left out: progress" in printed
    assert summary["total"] == pytest.approx(sum(summary["parts"].values()), abs=1e-5)
    json.dumps(summary)  # it goes into latest.json


def test_the_results_readme_gets_the_cost_table_and_a_capacity_panel_per_operation(tmp_path):
    from bench import report

    summary = cost.summary(_results(), cost.UsageProfile(calls_per_day=(("get_goal", 20),)))
    section = "\n".join(report._cost(summary))
    assert section.startswith("## Cost per 1,000 active users a month")
    assert "| **total** |" in section
    assert report._cost(None) == []
    level = {"p50Ms": 1.0, "rcu": 1.0, "wcu": 0.0, "itemsRead": 1.0}
    measured = {name: {"10": level, "100": level} for name in ("get_goal", "log_activity")}
    report._capacity_grid(measured, ["10", "100"], tmp_path / "grid.png")
    assert (tmp_path / "grid.png").read_bytes().startswith(b"\x89PNG")

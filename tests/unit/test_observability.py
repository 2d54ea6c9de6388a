"""Traces, metrics and the correlation id: what a deployed function reports, and that nothing
personal is in it. The deployed cases run in a process that looks like Lambda to the app
(tests/unit/lambda_process.py); locally everything stays off."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.gateway import LambdaContext, event
from chalicelib.core import metrics, telemetry, tracing
from tests.helpers import get, log_lines
from tests.unit.lambda_process import GATEWAY_REQUEST_ID, PERSONAL

ROOT = Path(__file__).resolve().parents[2]
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("lambda") / "out.json"
    env = {
        **os.environ,
        "ENVIRONMENT": "dev",
        "POWERTOOLS_SERVICE_NAME": "ai-lifestyle-api",
        "LOG_LEVEL": "INFO",
        "LAMBDA_TASK_ROOT": str(ROOT),
        "AWS_LAMBDA_FUNCTION_NAME": "ai-lifestyle-api-dev",
        "_X_AMZN_TRACE_ID": TRACE_HEADER,
    }
    for name in (
        "POWERTOOLS_TRACE_DISABLED",
        "POWERTOOLS_METRICS_DISABLED",
        "AWS_SAM_LOCAL",
        "AWS_CHALICE_CLI_MODE",
    ):
        env.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.unit.lambda_process", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(out.read_text())
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    result["emf"] = [line for line in lines if "_aws" in line]
    result["logs"] = [line for line in lines if "_aws" not in line]
    result["stdout"] = done.stdout
    assert all(
        status in (200, 201) for name, status in result["answers"].items() if name != "missing"
    ), result["answers"]
    return result


def _request_subsegments(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [s for s in segments if s["name"].startswith("## ")]


def _emf(result: dict[str, Any], metric: str) -> list[dict[str, Any]]:
    return [line for line in result["emf"] if metric in line]


def test_each_request_is_a_subsegment_annotated_with_its_route_and_status(deployed):
    requests = _request_subsegments(deployed["segments"])
    annotations = [
        (s["name"], s["annotations"]["route"], s["annotations"]["status"]) for s in requests
    ]
    assert ("## POST /goals", "POST /goals", 201) in annotations
    assert ("## GET /goals/{goalId}", "GET /goals/{goalId}", 404) in annotations
    assert [s["annotations"]["cold_start"] for s in requests][:2] == [True, False]


def test_dynamodb_and_cognito_calls_are_subsegments(deployed):
    calls = {(s["name"], s["aws"]["operation"]) for s in deployed["segments"] if "aws" in s}
    assert {
        ("dynamodb", "TransactWriteItems"),
        ("dynamodb", "GetItem"),
        ("cognito-idp", "SignUp"),
        ("cognito-idp", "InitiateAuth"),
    } <= calls


def test_traces_and_metrics_hold_nothing_personal(deployed):
    user_ids = {line["user_id"] for line in deployed["logs"] if line.get("user_id")}
    assert user_ids
    reported = json.dumps(deployed["segments"]) + json.dumps(deployed["emf"])
    token = deployed["token"]
    for secret in [*PERSONAL.values(), *user_ids, token, token.split(".")[2]]:
        assert secret not in reported
    assert PERSONAL["journal"] not in deployed["stdout"]
    assert PERSONAL["password"] not in deployed["stdout"]


def test_requests_are_counted_by_route_and_status(deployed):
    counted = {(line["route"], line["status"]) for line in _emf(deployed, metrics.REQUESTS)}
    assert {
        ("POST /goals", "201"),
        ("GET /goals/{goalId}", "200"),
        ("GET /goals/{goalId}", "404"),
    } <= counted
    for line in _emf(deployed, metrics.REQUESTS):
        [definition] = line["_aws"]["CloudWatchMetrics"]
        assert definition["Namespace"] == telemetry.metrics_namespace("dev")
        assert sorted(definition["Dimensions"][0]) == ["route", "service", "status"]


def test_business_events_count_committed_writes(deployed):
    totals = {
        name: sum(line.get(name, [0])[0] for line in deployed["emf"])
        for name in metrics.BUSINESS_EVENTS
    }
    # The journal entry's goal progress is an activity too.
    assert totals == {"GoalCreated": 1, "ActivityLogged": 2, "JournalEntryWritten": 1}


def test_consumed_capacity_is_reported_per_route(deployed):
    reads = {
        line["route"]: line[metrics.READ_CAPACITY][0]
        for line in _emf(deployed, metrics.READ_CAPACITY)
    }
    assert reads["GET /goals/{goalId}"] > 0
    assert "status" not in _emf(deployed, metrics.READ_CAPACITY)[0]


def test_the_gateway_request_id_correlates_logs_and_the_envelope(deployed):
    missing = deployed["answers"]["missing"]
    assert missing["status"] == 404
    assert missing["body"]["request_id"] == GATEWAY_REQUEST_ID
    assert missing["headers"]["X-Request-ID"] == GATEWAY_REQUEST_ID
    lines = [line for line in deployed["logs"] if line.get("request_id") == GATEWAY_REQUEST_ID]
    assert lines
    assert all(line["correlation_id"] == GATEWAY_REQUEST_ID for line in lines)
    # Every log line written during a request carries its correlation id.
    assert all(line.get("correlation_id") for line in deployed["logs"])


def test_a_clients_request_id_is_still_echoed_behind_the_gateway(client, app_logs):
    from app import app

    sent = event(
        "GET", "/{unknown0}", {"unknown0": "nope"}, headers={"X-Request-ID": "client-abc.123"}
    )
    sent["requestContext"]["requestId"] = "gw-42"
    answer = app(sent, LambdaContext())
    assert answer["headers"]["X-Request-ID"] == "client-abc.123"
    assert json.loads(answer["body"])["request_id"] == "gw-42"
    [line] = log_lines(app_logs())
    assert line["correlation_id"] == line["request_id"] == "gw-42"
    assert line["client_request_id"] == "client-abc.123"


def test_locally_nothing_is_traced_or_published(client, capsys):
    assert not telemetry.tracing_enabled()
    assert not telemetry.metrics_enabled()
    assert tracing._tracer is None
    assert get(client, "/config/features").status_code == 200
    assert "_aws" not in capsys.readouterr().out

"""The packaged templates make the service watchable and ready for production: tracing,
metrics, alarms to one topic, a dashboard, saved Logs Insights queries, and provisioned
concurrency in prod only."""

import json
import re
from typing import Any

from chalicelib.core import metrics, telemetry
from scripts.package import LIVE_ALIAS

ALARMS = {
    "Api5xxRateAlarm": ("AWS/ApiGateway", "5XXError"),
    "ApiLatencyP99Alarm": ("AWS/ApiGateway", "Latency"),
    "FunctionErrorsAlarm": ("AWS/Lambda", "Errors"),
    "FunctionThrottlesAlarm": ("AWS/Lambda", "Throttles"),
}
ALIAS = f"APIHandlerAlias{LIVE_ALIAS}"


def _of_type(resources: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in resources.items() if r["Type"] == kind}


def _setting(template: dict[str, Any], stage: str, key: str) -> Any:
    return template["Mappings"]["StageSettings"][stage][key]


def test_the_function_and_the_api_are_traced(resources):
    assert resources["APIHandler"]["Properties"]["Tracing"] == "Active"
    assert resources["RestAPI"]["Properties"]["TracingEnabled"] is True
    statements = resources["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]
    tracing = next(s for s in statements if s["Sid"] == "Tracing")
    assert set(tracing["Action"]) == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_metrics_are_published_as_the_stages_service(resources, stage):
    env = resources["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["POWERTOOLS_SERVICE_NAME"] == "ai-lifestyle-api"
    assert env["ENVIRONMENT"] == stage  # the namespace is AiLifestyleApi/<stage>
    for switch in ("POWERTOOLS_TRACE_DISABLED", "POWERTOOLS_METRICS_DISABLED"):
        assert switch not in env


def test_every_alarm_notifies_the_stages_topic(resources, template, stage):
    alarms = _of_type(resources, "AWS::CloudWatch::Alarm")
    assert set(alarms) == {*ALARMS, "TableThrottlesAlarm", "DeletionDeadLettersAlarm"}
    [topic] = _of_type(resources, "AWS::SNS::Topic")
    for alarm in alarms.values():
        properties = alarm["Properties"]
        assert properties["AlarmActions"] == properties["OKActions"] == [{"Ref": topic}]
        assert properties["AlarmName"]["Fn::Sub"].startswith("ai-lifestyle-api-${Stage}-")
        assert properties["TreatMissingData"] == "notBreaching"
    assert template["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": topic}


def test_alarms_watch_the_right_metrics_of_this_stack(resources, template, stage):
    api_name = resources["RestAPI"]["Properties"]["DefinitionBody"]["info"]["title"]
    for name, (namespace, metric) in ALARMS.items():
        properties = resources[name]["Properties"]
        assert (properties["Namespace"], properties["MetricName"]) == (namespace, metric)
        dimensions = {d["Name"]: d["Value"] for d in properties["Dimensions"]}
        if namespace == "AWS/ApiGateway":
            assert dimensions == {"ApiName": api_name, "Stage": {"Ref": "Stage"}}
        else:
            assert dimensions == {"FunctionName": {"Ref": "APIHandler"}}
    assert resources["ApiLatencyP99Alarm"]["Properties"]["ExtendedStatistic"] == "p99"
    five_xx = resources["Api5xxRateAlarm"]["Properties"]
    assert five_xx["Statistic"] == "Average"  # of 0/1 per request: the share answered 5xx
    assert 0 < _setting(template, stage, "Api5xxRate") < 0.1
    assert _setting(template, stage, "LatencyP99Ms") <= 3000


def test_table_throttles_add_up_reads_and_writes_of_the_stacks_table(resources):
    queries = resources["TableThrottlesAlarm"]["Properties"]["Metrics"]
    [expression] = [q for q in queries if q.get("ReturnData")]
    watched = {q["Id"]: q["MetricStat"]["Metric"] for q in queries if "MetricStat" in q}
    assert {m["MetricName"] for m in watched.values()} == {
        "ReadThrottleEvents",
        "WriteThrottleEvents",
    }
    for metric in watched.values():
        assert metric["Namespace"] == "AWS/DynamoDB"
        assert metric["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": "Table"}}]
    assert all(metric_id in expression["Expression"] for metric_id in watched)


def test_the_dashboard_shows_the_alarms_and_the_apps_own_metrics(resources, stage):
    [dashboard] = _of_type(resources, "AWS::CloudWatch::Dashboard").values()
    body_text = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    body = json.loads(body_text)  # valid JSON before substitution, so after it too
    widgets = body["widgets"]
    [alarm_widget] = [w for w in widgets if w["type"] == "alarm"]
    assert len(alarm_widget["properties"]["alarms"]) == len(ALARMS) + 1
    app_namespace = telemetry.metrics_namespace("${Stage}")
    for metric in (
        *metrics.BUSINESS_EVENTS,
        metrics.REQUESTS,
        metrics.READ_CAPACITY,
        metrics.WRITE_CAPACITY,
    ):
        assert metric in body_text, metric
    assert app_namespace in body_text
    referenced = set(re.findall(r"\$\{([A-Za-z0-9]+)(?:\.Arn)?\}", body_text)) - {"Stage"}
    assert referenced <= set(resources)
    for namespace in ("AWS/ApiGateway", "AWS/Lambda", "AWS/DynamoDB"):
        assert namespace in body_text


def test_logs_insights_queries_follow_a_request_through_both_log_groups(resources):
    queries = _of_type(resources, "AWS::Logs::QueryDefinition")
    assert len(queries) >= 3
    by_name = {q["Properties"]["Name"]["Fn::Sub"]: q["Properties"] for q in queries.values()}
    assert all(name.startswith("ai-lifestyle-api-${Stage}/") for name in by_name)
    [one_request] = [q for name, q in by_name.items() if "one request" in name]
    assert one_request["LogGroupNames"] == [
        {"Ref": "FunctionLogGroup"},
        {"Ref": "ApiAccessLogGroup"},
    ]
    # The app's correlation id and the access log's request id are the same value.
    assert "correlation_id" in one_request["QueryString"]
    assert "requestId" in one_request["QueryString"]
    access_format = json.loads(resources["RestAPI"]["Properties"]["AccessLogSetting"]["Format"])
    assert access_format["requestId"] == "$context.requestId"


def test_prod_keeps_instances_warm_on_an_alias_the_api_calls(resources, template, stage):
    function = resources["APIHandler"]["Properties"]
    permission = resources["APIHandlerInvokePermission"]["Properties"]
    paths = resources["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    uris = [
        op["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        for ops in paths.values()
        for op in ops.values()
        if "x-amazon-apigateway-integration" in op
    ]
    amount = _setting(template, stage, "ProvisionedConcurrency")
    if stage == "prod":
        assert amount >= 1
        assert function["AutoPublishAlias"] == LIVE_ALIAS
        assert function["ProvisionedConcurrencyConfig"] == {
            "ProvisionedConcurrentExecutions": amount
        }
        assert permission["FunctionName"] == {"Ref": ALIAS}
        assert uris
        assert all(f"${{{ALIAS}}}" in uri for uri in uris)
    else:
        assert amount == 0
        assert "AutoPublishAlias" not in function
        assert "ProvisionedConcurrencyConfig" not in function
        assert permission["FunctionName"] == {"Ref": "APIHandler"}
        assert uris
        assert all("${APIHandler.Arn}" in uri for uri in uris)

"""The benchmark's own logic, offline: budgets and their verdicts, summaries, events."""

import json

from chalice.app import Chalice

from bench import budgets
from bench.gateway import Gateway
from bench.meter import Call, Usage
from bench.stats import Sample, percentile, summarize
from chalicelib.core.metrics import consumed_units


def _summary(p50: float, rcu: float = 1, requests: int = 1) -> dict:
    return {"p50Ms": p50, "rcu": rcu, "requests": requests}


def _results(**operations: dict) -> dict:
    return {"operations": {}, "scaling": {"operations": operations}, "coldStart": {}}


def test_growth_is_the_largest_level_over_the_smallest():
    results = _results(get_goal={"10": _summary(2.0), "100": _summary(9.0), "10000": _summary(2.5)})
    assert budgets.growth("get_goal", "p50Ms")(results) == 1.25
    assert budgets.growth("list_goals", "p50Ms")(results) is None


def test_request_counts_take_the_worst_sample_anywhere():
    results = _results(get_goal={"10": _summary(2, requests=1), "10000": _summary(2, requests=2)})
    results["operations"]["get_goal"] = _summary(2, requests=1)
    assert budgets.worst("get_goal", "requests")(results) == 2


def _verdict(figure: float | None, known: dict | None = None) -> dict:
    budget = budgets.Budget("x.requests", "x: 1 request", 1, lambda results: figure)
    [verdict] = budgets.check({}, [budget], known or {})
    return verdict


def test_verdicts():
    assert _verdict(1)["status"] == "holds"
    assert not _verdict(1)["failed"]
    assert _verdict(2)["failed"]
    assert _verdict(None)["status"].startswith("not measured")
    assert not _verdict(None)["failed"]
    known = {"x.requests": budgets.KnownException(ceiling=2, reason="why")}
    assert not _verdict(2, known)["failed"]
    assert _verdict(2, known)["reason"] == "why"
    assert _verdict(3, known)["failed"]  # worse than the known figure
    assert "remove" in _verdict(1, known)["status"]


def test_every_known_exception_names_a_budget():
    keys = {budget.key for budget in budgets.BUDGETS}
    assert set(budgets.KNOWN_EXCEPTIONS) <= keys
    for exception in budgets.KNOWN_EXCEPTIONS.values():
        assert exception.reason


def test_capacity_is_split_into_reads_and_writes():
    assert consumed_units("GetItem", {"TableName": "t", "CapacityUnits": 1.0}) == (1.0, 0.0)
    assert consumed_units("TransactWriteItems", [{"CapacityUnits": 6.0}]) == (0.0, 6.0)
    assert consumed_units("BatchGetItem", [{"ReadCapacityUnits": 2.0, "CapacityUnits": 2.0}]) == (
        2.0,
        0.0,
    )
    assert consumed_units("Query", None) == (0.0, 0.0)


def test_summary_of_samples():
    usage = Usage(
        [
            Call("BatchGetItem", 2, 0, 0, None, 2),
            Call("Query", 1, 0, 0, None, 7),
            Call("TransactWriteItems", 0, 6, 0, None),
        ]
    )
    summary = summarize([Sample(seconds / 1000, usage) for seconds in (1, 2, 3, 4, 100)])
    assert summary["p50Ms"] == 3
    assert summary["requests"] == 3
    assert summary["itemsRead"] == 9
    assert (summary["reads"], summary["transactions"], summary["otherWrites"]) == (2, 1, 0)
    assert summary["calls"] == "BatchGetItem + Query + TransactWriteItems"
    assert (summary["rcu"], summary["wcu"]) == (3, 6)
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert (summary["identityCalls"], summary["identityCallSequence"]) == (0, "")


def test_cognito_calls_are_counted_apart_from_dynamodb_requests():
    usage = Usage(identity_calls=["ChangePassword", "GlobalSignOut"])
    summary = summarize([Sample(0.01, usage)])
    assert (summary["requests"], summary["identityCalls"]) == (0, 2)
    assert summary["identityCallSequence"] == "ChangePassword + GlobalSignOut"
    verdicts = {
        verdict["key"]: verdict["status"]
        for verdict in budgets.check({"operations": {"change_password": summary}})
    }
    assert verdicts["change_password.requests"] == "holds"
    assert verdicts["change_password.identity_calls"] == "holds"


def test_events_reach_chalice_views_as_api_gateway_sends_them():
    app = Chalice(app_name="bench-test")

    @app.route("/items/{itemId}", methods=["POST"], content_types=["application/json"])
    def item(itemId: str) -> dict:
        request = app.current_request
        assert request is not None
        assert request.query_params is not None
        return {
            "id": itemId,
            "body": request.json_body,
            "q": request.query_params.get("q"),
            "auth": request.headers.get("authorization"),
        }

    answer = Gateway(app).call(
        "POST", "/items/{itemId}", {"itemId": "a b"}, token="t", query={"q": "1"}, body={"x": 1}
    )
    assert answer.status == 200, answer.body
    assert answer.body == {"id": "a b", "body": {"x": 1}, "q": "1", "auth": "Bearer t"}
    assert json.dumps(answer.body)


def test_every_key_lookup_and_session_route_has_a_request_budget():
    from bench.run import OPERATIONS, SESSION_ROUTES

    budgeted = {budget.key.split(".")[0] for budget in budgets.BUDGETS}
    assert set(SESSION_ROUTES) <= budgeted
    for name in ("set_up_keys", "delete_keys", "get_own_keys", "look_up_by_id", "look_up_by_email"):
        assert name in OPERATIONS
        assert name in budgeted


def test_pauses_and_vacations_have_request_budgets_and_undo_each_other():
    from bench.run import CYCLES, OPERATIONS, PAUSE_CYCLE, VACATION_CYCLE

    budgeted = {budget.key.split(".")[0] for budget in budgets.BUDGETS}
    for name in (*PAUSE_CYCLE, *VACATION_CYCLE):
        assert name in OPERATIONS
        assert name in budgeted
    assert PAUSE_CYCLE in CYCLES
    assert VACATION_CYCLE in CYCLES
    add, cancel = (OPERATIONS[name] for name in VACATION_CYCLE)
    assert add.body is not None
    assert add.body(0)["from"] == cancel.path_params(None)["vacationFrom"]  # type: ignore[arg-type]
    assert OPERATIONS["pause_goal"].body(0) == {"reason": "bench"}  # type: ignore[misc]


def test_the_account_deletion_routes_and_the_eraser_have_budgets():
    from bench.run import DELETION_ROUTES

    budgeted = {budget.key.split(".")[0] for budget in budgets.BUDGETS}
    assert set(DELETION_ROUTES) <= budgeted
    assert "erase_large_account" in budgeted
    erased = {"operations": {"_erase": {"requestsPerItem": 0.06, "left": 0}}}
    verdicts = {
        v["key"]: v["status"]
        for v in budgets.check(erased, known={})
        if v["key"].startswith("erase_large_account")
    }
    assert set(verdicts.values()) == {"holds"}
    erased["operations"]["_erase"]["left"] = 3
    [left] = [v for v in budgets.check(erased, known={}) if v["key"] == "erase_large_account.left"]
    assert left["failed"]


def test_batch_logging_has_a_request_budget_and_a_worst_case_body():
    from bench.run import OPERATIONS

    batch = OPERATIONS["log_activities"]
    assert batch.resource == "/goals/{goalId}/activities/batch"
    assert batch.status == 207
    assert batch.body is not None
    items = batch.body(0)["activities"]
    assert len(items) == 100
    assert len({item["activityDate"] for item in items}) == 100  # a day each: the worst case
    assert len({item["idempotencyKey"] for item in items}) == 100
    assert {item["idempotencyKey"] for item in items}.isdisjoint(
        item["idempotencyKey"] for item in batch.body(1)["activities"]
    )
    limits = {
        budget.key: budget.limit
        for budget in budgets.BUDGETS
        if budget.key.startswith("log_activities.")
    }
    assert limits == {
        "log_activities.reads": 3,
        "log_activities.transactions": 4,
        "log_activities.other_writes": 0,
    }


def test_the_export_routes_and_the_export_job_have_budgets():
    from bench.run import EXPORT_ROUTES

    budgeted = {budget.key.split(".")[0] for budget in budgets.BUDGETS}
    assert set(EXPORT_ROUTES) <= budgeted
    assert "export_large_account" in budgeted
    exported = {"operations": {"_export": {"requestsPerItem": 0.002, "missing": 0}}}
    verdicts = {
        v["key"]: v["status"]
        for v in budgets.check(exported, known={})
        if v["key"].startswith("export_large_account")
    }
    assert verdicts == {
        "export_large_account.requests_per_item": "holds",
        "export_large_account.missing": "holds",
    }
    exported["operations"]["_export"]["missing"] = 1
    [missing] = [
        v for v in budgets.check(exported, known={}) if v["key"] == "export_large_account.missing"
    ]
    assert missing["failed"]


def test_the_import_routes_and_a_large_import_have_budgets():
    from bench.run import IMPORT_ROUTES

    budgeted = {budget.key.split(".")[0] for budget in budgets.BUDGETS}
    assert set(IMPORT_ROUTES) <= budgeted
    assert "import_large_file" in budgeted
    imported = {"operations": {"_import": {"requestsPerRecord": 0.21, "missing": 0}}}
    verdicts = {
        v["key"]: v["status"]
        for v in budgets.check(imported, known={})
        if v["key"].startswith("import_large_file")
    }
    assert set(verdicts.values()) == {"holds"}
    imported["operations"]["_import"]["missing"] = 12
    [missing] = [
        v for v in budgets.check(imported, known={}) if v["key"] == "import_large_file.missing"
    ]
    assert missing["failed"]


def test_a_page_of_sync_has_a_one_query_budget():
    from bench.run import OPERATIONS

    assert OPERATIONS["sync"].resource == "/sync"
    [budget] = [budget for budget in budgets.BUDGETS if budget.key == "sync.requests"]
    assert budget.limit == 1
    results = {"operations": {"sync": _summary(3, requests=2)}}
    assert budget.figure(results) == 2


def test_items_read_are_what_each_answer_says_dynamodb_read():
    from bench.meter import items_read

    assert items_read("Query", {"Count": 3, "ScannedCount": 30}) == 30  # a filter's reads bill
    assert items_read("Scan", {"Count": 2}) == 2
    assert items_read("GetItem", {"Item": {"PK": {"S": "x"}}}) == 1
    assert items_read("GetItem", {}) == 0
    assert items_read("BatchGetItem", {"Responses": {"t": [{}, {}], "u": [{}]}}) == 3
    assert (
        items_read("TransactGetItems", {"Responses": [{"Item": {}}, {}, {"Item": {"a": 1}}]}) == 1
    )
    assert items_read("TransactWriteItems", {}) == 0
    usage = Usage([Call("Query", 1, 0, 0, None, 21), Call("GetItem", 1, 0, 0, None, 1)])
    summary = summarize(
        [Sample(0.01, usage), Sample(0.02, Usage([Call("GetItem", 1, 0, 0, None, 1)]))]
    )
    assert (summary["itemsRead"], summary["maxItemsRead"]) == (11.5, 22)


def _levels(**fields: dict) -> dict:
    """Scaling summaries of one operation: {level: {field: value}}."""
    return {
        level: {"p50Ms": 1.0, "rcu": 1, "itemsRead": 1, **values}
        for level, values in fields.items()
    }


def test_a_flat_operation_is_budgeted_on_items_read_rcu_and_p50_growth():
    [scaled] = [scaled for scaled in budgets.SCALED if scaled.name == "get_goal"]
    keys = {budget.key for budget in scaled.budgets()}
    assert keys == {"get_goal.itemsRead_growth", "get_goal.rcu_growth", "get_goal.p50Ms_growth"}
    results = _results(get_goal={"10": _summary(2.0), "10000": _summary(2.0)})
    results["scaling"]["operations"]["get_goal"]["10"]["itemsRead"] = 1
    results["scaling"]["operations"]["get_goal"]["10000"]["itemsRead"] = 40
    verdicts = {v["key"]: v for v in budgets.check(results, scaled.budgets(), known={})}
    assert verdicts["get_goal.itemsRead_growth"]["measured"] == 40
    assert verdicts["get_goal.itemsRead_growth"]["failed"]
    assert verdicts["get_goal.rcu_growth"]["status"] == "holds"


def test_growth_can_start_where_a_page_is_full():
    levels = {"10": {"p50Ms": 1, "itemsRead": 11}, "100": {"p50Ms": 1, "itemsRead": 21}}
    levels["10000"] = {"p50Ms": 1, "itemsRead": 21}
    results = _results(list_journal=levels)
    assert budgets.growth("list_journal", "itemsRead")(results) == 1.91
    assert budgets.growth("list_journal", "itemsRead", from_level=100)(results) == 1.0


def test_a_limit_at_one_level_reads_that_level_only():
    scaled = budgets.Scaled(
        "list_journal_web",
        "web list",
        flat=False,
        limits=(budgets.Limit("maxRcu", 12, "at most 12 RCU", level=100),),
    )
    [budget] = scaled.budgets()
    assert budget.key == "list_journal_web.maxRcu@100"
    levels = {"10": {"p50Ms": 1, "maxRcu": 4}, "100": {"p50Ms": 1, "maxRcu": 34}}
    levels["10000"] = {"p50Ms": 1, "maxRcu": 99}
    assert budget.figure(_results(list_journal_web=levels)) == 34
    assert budget.figure(_results()) is None


def test_the_issue_limits_are_budgets_at_every_size():
    limits = {budget.key: budget.limit for budget in budgets.BUDGETS}
    assert limits["log_activity.maxWcu"] == 6
    assert limits["create_goal.maxWcu"] == 4
    assert limits["list_goals.maxRcu"] == 10
    assert limits["list_journal_web.maxRcu@100"] == 12
    assert limits["log_yesterday.maxItemsRead"] == 10
    # worst(): the per-operation figure (50 goals) counts as well as every level's
    results = _results(
        log_activity={"10": {"p50Ms": 1, "maxWcu": 6}, "1000": {"p50Ms": 1, "maxWcu": 12}}
    )
    [budget] = [b for b in budgets.BUDGETS if b.key == "log_activity.maxWcu"]
    assert budget.figure(results) == 12


def test_every_scaled_operation_is_an_operation_and_the_writes_come_last():
    from bench.run import OPERATIONS, SCALING_READS, SCALING_WRITES

    names = [scaled.name for scaled in budgets.SCALED]
    assert len(names) == len(set(names))
    assert set(names) <= set(OPERATIONS)
    assert set(SCALING_READS) | set(SCALING_WRITES) == set(names)
    assert {
        "log_activity",
        "log_yesterday",
        "edit_activity",
        "delete_activity",
        "create_goal",
    } <= set(SCALING_WRITES)
    assert all(OPERATIONS[name].method == "GET" for name in SCALING_READS)


def test_every_route_is_measured_or_says_why_not():
    from app import api as app_routes
    from bench.run import (
        AUTH_ROUTES,
        DELETION_ROUTES,
        EXPORT_ROUTES,
        IMPORT_ROUTES,
        NOT_MEASURED,
        OPERATIONS,
        SESSION_ROUTES,
        SHARE_ROUTES,
    )

    measured = {f"{op.method} {op.resource}": name for name, op in OPERATIONS.items()}
    for routes in (
        AUTH_ROUTES,
        DELETION_ROUTES,
        EXPORT_ROUTES,
        IMPORT_ROUTES,
        SESSION_ROUTES,
        SHARE_ROUTES,
    ):
        for name, (_, method, resource) in routes.items():
            measured[f"{method} {resource.partition('?')[0]}"] = name
    declared = {f"{method} {path}" for path, method in app_routes.declared}
    unaccounted = declared - set(measured) - set(NOT_MEASURED)
    assert not unaccounted, f"routes neither measured nor in NOT_MEASURED: {sorted(unaccounted)}"
    assert set(NOT_MEASURED) <= declared  # no stale excuse
    budgeted = {budget.key.split(".")[0] for budget in budgets.BUDGETS}
    unbudgeted = {*OPERATIONS, *measured.values()} - budgeted
    assert not unbudgeted, f"measured without a budget: {sorted(unbudgeted)}"

"""What the service tests rely on DynamoDB to do, as cases that run against any low-level client:
the in-memory table (tests/service/test_memory_table_contract.py, every run) and DynamoDB Local
(tests/integration/test_memory_table_contract_on_dynamodb_local.py, the stack tests). Each case
writes under its own partition and returns what a caller can observe; both runs assert the same
expected value, so the fake cannot drift from DynamoDB where the service tests depend on it.

The cases use the expressions the repositories send (core/dynamo.py renders them): conditional
puts and deletes, transactions that fail whole, counters and sets kept by `UpdateBuilder`, key
ranges read both ways with `Limit`, filters, projections and the activity-id index.
"""

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.core import dynamo
from chalicelib.core.aws import error_code

Case = Callable[[Any, str], Any]


def _table() -> str:
    return dynamo.table_name()


def outcome(call: Callable[[], Any]) -> Any:
    """ "ok", or the error's code (with each item's reason for a cancelled transaction)."""
    try:
        call()
    except dynamo.TransactionCancelled as cancelled:  # Transaction.commit's reading of it
        return "TransactionCanceledException", cancelled.reasons
    except ClientError as error:
        reasons = error.response.get("CancellationReasons")
        if reasons:
            return error_code(error), [reason.get("Code", "None") for reason in reasons]
        return error_code(error)
    return "ok"


def _put(client: Any, item: dict[str, Any], condition: str | None = None) -> Callable[[], Any]:
    params: dict[str, Any] = {"TableName": _table(), "Item": dynamo.serialize(item)}
    if condition:
        params["ConditionExpression"] = condition
    return lambda: client.put_item(**params)


def _read(client: Any, pk: str, sk: str) -> dict[str, Any] | None:
    found = client.get_item(
        TableName=_table(), Key=dynamo.serialize({"PK": pk, "SK": sk}), ConsistentRead=True
    ).get("Item")
    return dynamo.without_keys(dynamo.deserialize(found)) if found else None


def _transact(client: Any, tx: dynamo.Transaction) -> Callable[[], Any]:
    return lambda: tx.commit(client)


def _sks(page: dict[str, Any]) -> list[str]:
    return [item["SK"]["S"] for item in page["Items"]]


# Conditions and transactions.


def create_only_once(client: Any, pk: str) -> Any:
    item = {"PK": pk, "SK": "A", "n": 1}
    first = outcome(_put(client, item, "attribute_not_exists(PK)"))
    second = outcome(_put(client, {**item, "n": 2}, "attribute_not_exists(PK)"))
    return first, second, _read(client, pk, "A")


def a_transaction_fails_whole(client: Any, pk: str) -> Any:
    outcome(_put(client, {"PK": pk, "SK": "taken"}))
    tx = dynamo.Transaction()
    tx.put("first", {"PK": pk, "SK": "new", "v": 1})
    tx.put("lock", {"PK": pk, "SK": "taken"}, condition="attribute_not_exists(PK)")
    tx.delete("gone", {"PK": pk, "SK": "absent"}, condition="attribute_exists(PK)")
    return outcome(_transact(client, tx)), _read(client, pk, "new")


def a_version_guards_a_put(client: Any, pk: str) -> Any:
    outcome(_put(client, {"PK": pk, "SK": "E", "version": 2}))

    def put_if(version: int) -> Any:
        tx = dynamo.Transaction()
        tx.put(
            "entry",
            {"PK": pk, "SK": "E", "version": version + 1},
            condition="#version = :version",
            names={"#version": "version"},
            values={":version": version},
        )
        return outcome(_transact(client, tx))

    return put_if(1), put_if(2), _read(client, pk, "E")


def one_item_twice_in_a_transaction_is_refused(client: Any, pk: str) -> Any:
    tx = dynamo.Transaction()
    tx.put("a", {"PK": pk, "SK": "same"})
    tx.delete("b", {"PK": pk, "SK": "same"})
    return outcome(_transact(client, tx)), _read(client, pk, "same")


def an_unused_placeholder_is_refused(client: Any, pk: str) -> Any:
    return outcome(
        lambda: client.put_item(
            TableName=_table(),
            Item=dynamo.serialize({"PK": pk, "SK": "A"}),
            ConditionExpression="attribute_not_exists(PK)",
            ExpressionAttributeValues=dynamo.serialize({":unused": 1}),
        )
    )


# Updates: counters with a ceiling, sets, removals, nested paths.


def _counter(client: Any, pk: str, amount: int, ceiling: int | None) -> Any:
    """GoalRepository.change_active_slot's counter: up to a ceiling, down freely."""
    tx = dynamo.Transaction()
    counter = tx.updating("quota", {"PK": pk, "SK": "COUNT"})
    counter.add_number("active", amount=amount)
    if ceiling is None:
        return outcome(_transact(client, tx))
    active, limit = counter.name("active"), counter.value(ceiling)
    tx.updating(
        "quota",
        {"PK": pk, "SK": "COUNT"},
        condition=f"attribute_not_exists({active}) OR {active} < {limit}",
    )
    return outcome(_transact(client, tx))


def a_counter_stops_at_its_ceiling(client: Any, pk: str) -> Any:
    tries = [_counter(client, pk, 1, 2) for _ in range(3)]
    after_up = _read(client, pk, "COUNT")
    tries.append(_counter(client, pk, -1, None))
    return tries, after_up, _read(client, pk, "COUNT")


def sets_grow_shrink_and_vanish(client: Any, pk: str) -> Any:
    def change(build: Callable[[dynamo.UpdateBuilder], Any]) -> Any:
        tx = dynamo.Transaction()
        build(tx.updating("stats", {"PK": pk, "SK": "S"}))
        return outcome(_transact(client, tx))

    def members() -> Any:
        stored = _read(client, pk, "S")
        return None if stored is None else sorted(stored.get("done", ["(none)"]))

    steps = [change(lambda update: update.add_to_set("done", {"a", "b", "c"})), members()]
    steps += [change(lambda update: update.delete_from_set("done", {"a"})), members()]
    steps += [change(lambda update: update.delete_from_set("done", {"b", "c"})), members()]
    return steps


def set_remove_and_nested_paths(client: Any, pk: str) -> Any:
    outcome(_put(client, {"PK": pk, "SK": "N", "map": {"x": 1}, "old": "y", "n": 5}))
    tx = dynamo.Transaction()
    update = tx.updating("n", {"PK": pk, "SK": "N"}, condition="attribute_exists(PK)")
    update.set("map", "y", value=2).remove("old").set("label", value="z")
    update.add_number("n", amount=-5)
    first = outcome(_transact(client, tx))
    tx = dynamo.Transaction()
    tx.updating("n", {"PK": pk, "SK": "N"}).set("missing", "y", value=1)
    return first, _read(client, pk, "N"), outcome(_transact(client, tx))


def overlapping_paths_are_refused(client: Any, pk: str) -> Any:
    tx = dynamo.Transaction()
    tx.updating("n", {"PK": pk, "SK": "N"}).set("map", value={}).set("map", "y", value=1)
    return outcome(_transact(client, tx)), _read(client, pk, "N")


def a_condition_on_a_counter_value_holds_or_cancels(client: Any, pk: str) -> Any:
    outcome(_put(client, {"PK": pk, "SK": "S", "tag#run": 1, "lastEntryAt": "2026-01-02"}))

    def remove_if(expected: int) -> Any:
        tx = dynamo.Transaction()
        stats = tx.updating("stats", {"PK": pk, "SK": "S"})
        stats.remove("tag#run")
        condition = f"{stats.name('tag#run')} = {stats.value(expected)}"
        tx.updating("stats", {"PK": pk, "SK": "S"}, condition)
        return outcome(_transact(client, tx))

    return remove_if(2), remove_if(1), _read(client, pk, "S")


def a_conditional_update_of_an_absent_item(client: Any, pk: str) -> Any:
    def count() -> Any:
        return client.update_item(
            TableName=_table(),
            Key=dynamo.serialize({"PK": pk, "SK": "share"}),
            UpdateExpression="SET accessCount = if_not_exists(accessCount, :zero) + :one",
            ConditionExpression="shareId = :id",
            ExpressionAttributeValues=dynamo.serialize({":zero": 0, ":one": 1, ":id": "s1"}),
        )

    refused = outcome(count)
    outcome(_put(client, {"PK": pk, "SK": "share", "shareId": "s1"}))
    return refused, outcome(count), outcome(count), _read(client, pk, "share")


# Reads.


def _fill(client: Any, pk: str) -> None:
    for day, kind in (("01", "run"), ("02", "swim"), ("03", "run"), ("04", "walk")):
        item = {"PK": pk, "SK": f"ACTIVITY#2026-01-{day}", "activityType": kind}
        outcome(_put(client, {**item, "activityId": f"id-{5 - int(day)}"}))
    outcome(_put(client, {"PK": pk, "SK": "DAY#2026-01-01", "total": 3}))


def key_ranges_both_ways_with_a_limit(client: Any, pk: str) -> Any:
    _fill(client, pk)
    low, high = "ACTIVITY#", f"ACTIVITY#{dynamo.KEY_END}"
    forward = client.query(TableName=_table(), **dynamo.sort_key_range(pk, low, high))
    backward = client.query(
        TableName=_table(),
        **dynamo.sort_key_range(pk, "ACTIVITY#2026-01-02", high),
        ScanIndexForward=False,
        Limit=2,
    )
    rest = client.query(
        TableName=_table(),
        **dynamo.sort_key_range(pk, "ACTIVITY#2026-01-02", high),
        ScanIndexForward=False,
        Limit=2,
        ExclusiveStartKey=backward["LastEvaluatedKey"],
    )
    return _sks(forward), _sks(backward), _sks(rest)


def a_filter_applies_after_the_limit(client: Any, pk: str) -> Any:
    _fill(client, pk)
    values = dynamo.serialize(
        {":pk": pk, ":low": "ACTIVITY#", ":high": f"ACTIVITY#{dynamo.KEY_END}", ":t0": "run"}
    )
    page = client.query(
        TableName=_table(),
        KeyConditionExpression="PK = :pk AND SK BETWEEN :low AND :high",
        FilterExpression="activityType IN (:t0)",
        ExpressionAttributeValues=values,
        Limit=2,
    )
    return _sks(page), "LastEvaluatedKey" in page


def begins_with_and_a_projection(client: Any, pk: str) -> Any:
    _fill(client, pk)

    def days(projection: str, names: dict[str, str] | None = None) -> Any:
        return client.query(
            TableName=_table(),
            KeyConditionExpression="PK = :pk AND begins_with(SK, :prefix)",
            ExpressionAttributeValues=dynamo.serialize({":pk": pk, ":prefix": "DAY#"}),
            ProjectionExpression=projection,
            **({"ExpressionAttributeNames": names} if names else {}),
        )

    page = days("SK, #total", {"#total": "total"})
    reserved = outcome(lambda: days("SK, total"))  # a reserved word needs a placeholder
    return [dynamo.deserialize(item) for item in page["Items"]], reserved


def the_activity_id_index(client: Any, pk: str) -> Any:
    _fill(client, pk)
    page = client.query(
        TableName=_table(),
        IndexName="ActivityIdIndex",
        KeyConditionExpression="PK = :pk AND activityId = :id",
        ExpressionAttributeValues=dynamo.serialize({":pk": pk, ":id": "id-2"}),
    )
    everything = client.query(
        TableName=_table(),
        IndexName="ActivityIdIndex",
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues=dynamo.serialize({":pk": pk}),
    )
    return _sks(page), _sks(everything)


def a_batch_get_with_a_projection(client: Any, pk: str) -> Any:
    _fill(client, pk)
    keys = [{"PK": pk, "SK": "DAY#2026-01-01"}, {"PK": pk, "SK": "DAY#1999-01-01"}]
    names = {"#a0": "PK", "#a1": "SK", "#a2": "total"}
    found = client.batch_get_item(
        RequestItems={
            _table(): {
                "Keys": [dynamo.serialize(key) for key in keys],
                "ConsistentRead": True,
                "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names,
            }
        }
    )["Responses"][_table()]
    twice = outcome(
        lambda: client.batch_get_item(
            RequestItems={_table(): {"Keys": [dynamo.serialize(keys[0])] * 2}}
        )
    )
    return [dynamo.deserialize(item) for item in found], twice


def a_batch_write_deletes(client: Any, pk: str) -> Any:
    _fill(client, pk)
    requests = [
        {"DeleteRequest": {"Key": dynamo.serialize({"PK": pk, "SK": sk})}}
        for sk in ("DAY#2026-01-01", "DAY#1999-01-01")
    ]
    client.batch_write_item(RequestItems={_table(): requests})
    return _read(client, pk, "DAY#2026-01-01")


CASES: dict[str, tuple[Case, Any]] = {
    "create_only_once": (create_only_once, ("ok", "ConditionalCheckFailedException", {"n": 1})),
    "a_transaction_fails_whole": (
        a_transaction_fails_whole,
        (
            (
                "TransactionCanceledException",
                ["None", "ConditionalCheckFailed", "ConditionalCheckFailed"],
            ),
            None,
        ),
    ),
    "a_version_guards_a_put": (
        a_version_guards_a_put,
        (("TransactionCanceledException", ["ConditionalCheckFailed"]), "ok", {"version": 3}),
    ),
    "one_item_twice_in_a_transaction_is_refused": (
        one_item_twice_in_a_transaction_is_refused,
        ("ValidationException", None),
    ),
    "an_unused_placeholder_is_refused": (an_unused_placeholder_is_refused, "ValidationException"),
    "a_counter_stops_at_its_ceiling": (
        a_counter_stops_at_its_ceiling,
        (
            ["ok", "ok", ("TransactionCanceledException", ["ConditionalCheckFailed"]), "ok"],
            {"active": 2},
            {"active": 1},
        ),
    ),
    "sets_grow_shrink_and_vanish": (
        sets_grow_shrink_and_vanish,
        ["ok", ["a", "b", "c"], "ok", ["b", "c"], "ok", ["(none)"]],
    ),
    "set_remove_and_nested_paths": (
        set_remove_and_nested_paths,
        ("ok", {"map": {"x": 1, "y": 2}, "label": "z", "n": 0}, "ValidationException"),
    ),
    "overlapping_paths_are_refused": (overlapping_paths_are_refused, ("ValidationException", None)),
    "a_condition_on_a_counter_value_holds_or_cancels": (
        a_condition_on_a_counter_value_holds_or_cancels,
        (
            ("TransactionCanceledException", ["ConditionalCheckFailed"]),
            "ok",
            {"lastEntryAt": "2026-01-02"},
        ),
    ),
    "a_conditional_update_of_an_absent_item": (
        a_conditional_update_of_an_absent_item,
        (
            "ConditionalCheckFailedException",
            "ok",
            "ok",
            {"shareId": "s1", "accessCount": 2},
        ),
    ),
    "key_ranges_both_ways_with_a_limit": (
        key_ranges_both_ways_with_a_limit,
        (
            [f"ACTIVITY#2026-01-0{day}" for day in (1, 2, 3, 4)],
            ["ACTIVITY#2026-01-04", "ACTIVITY#2026-01-03"],
            ["ACTIVITY#2026-01-02"],
        ),
    ),
    "a_filter_applies_after_the_limit": (
        a_filter_applies_after_the_limit,
        (["ACTIVITY#2026-01-01"], True),
    ),
    "begins_with_and_a_projection": (
        begins_with_and_a_projection,
        ([{"SK": "DAY#2026-01-01", "total": 3}], "ValidationException"),
    ),
    "the_activity_id_index": (
        the_activity_id_index,
        (
            ["ACTIVITY#2026-01-03"],
            [f"ACTIVITY#2026-01-0{day}" for day in (4, 3, 2, 1)],
        ),
    ),
    "a_batch_get_with_a_projection": (
        a_batch_get_with_a_projection,
        ([{"PK": "{pk}", "SK": "DAY#2026-01-01", "total": 3}], "ValidationException"),
    ),
    "a_batch_write_deletes": (a_batch_write_deletes, None),
}


def expected(name: str, pk: str) -> Any:
    """The case's expected value, with `{pk}` standing for its partition."""
    value = CASES[name][1]
    return _substituted(value, pk)


def _substituted(value: Any, pk: str) -> Any:
    if value == "{pk}":
        return pk
    if isinstance(value, list | tuple):
        return type(value)(_substituted(part, pk) for part in value)
    if isinstance(value, dict):
        return {key: _substituted(part, pk) for key, part in value.items()}
    return value

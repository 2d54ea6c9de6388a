"""core/dynamo.UpdateBuilder: one clause per path, whoever in a transaction adds to it."""

import pytest

from chalicelib.core.dynamo import UpdateBuilder


def _assigned_names(params: dict[str, object]) -> list[object]:
    names = params["ExpressionAttributeNames"]
    assert isinstance(names, dict)
    return sorted(names.values())


def test_the_same_path_set_twice_to_the_same_value_is_one_clause():
    # Two goals completing in one journal entry's transaction both mark the one goal counter:
    # DynamoDB refuses an update expression that names a path twice.
    builder = UpdateBuilder()
    builder.set("titled", value=True)
    builder.set("titled", value=True)
    builder.remove("Tabc")
    params = builder.params()
    assert params["UpdateExpression"].count(" = ") == 1
    assert _assigned_names(params) == ["Tabc", "titled"]


def test_one_path_set_to_two_values_is_a_bug_said_at_once():
    builder = UpdateBuilder().set("status", value="a")
    with pytest.raises(ValueError, match="status set twice"):
        builder.set("status", value="b")

"""An in-memory DynamoDB table behind the low-level client's methods that the repositories use,
installed with `chalicelib.core.dynamo.served_by`: service tests run the real repositories,
transactions and units of work on it, in microseconds.

It does what DynamoDB does with what the app sends, and refuses what DynamoDB would refuse
where a repository could slip: condition, key-condition, filter and update expressions are
parsed and evaluated (=, <, <=, >, >=, BETWEEN, IN, AND/OR/NOT, parentheses, attribute_exists,
attribute_not_exists, begins_with; SET with if_not_exists, list_append and +/-, REMOVE, ADD and
DELETE; what it does not model, such as size() or <>, raises NotImplementedError); a
transaction checks every condition first and either applies every item or none, answering
`TransactionCanceledException` with one reason per item; two operations on one item in a
transaction, overlapping update paths, an unused or undefined placeholder, a bare reserved word
(of a subset), more than 100 items (25 for a batch write, 100 keys for a batch get) or a
duplicate key are a `ValidationException`. Queries follow the key order (the table's `SK`, or
`activityId` for the `ActivityIdIndex` local index), backwards, with `Limit` before the filter,
`ExclusiveStartKey` and projections.

Not modelled: the 1 MB page and 400 KB item limits, throttling, most reserved words, capacity,
TTL deletion, eventual consistency (every read is consistent). The stack tests cover those.
tests/integration/test_memory_table_contract_on_dynamodb_local.py runs one set of cases against
this table and DynamoDB Local, so the two cannot drift apart where the service tests rely on
them.
"""

import copy
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from scripts.resources import ACTIVITY_ID_INDEX

Item = dict[str, Any]
Key = tuple[str, str]
Path = tuple[str | int, ...]
Evaluated = Callable[[Item], Any]

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_GET_KEYS = 100
MAX_BATCH_WRITE_ITEMS = 25
# Local secondary indexes: the attribute each sorts by.
INDEX_SORT_KEYS = {ACTIVITY_ID_INDEX: "activityId"}

_deserializer = TypeDeserializer()
_serializer = TypeSerializer()
_TOKEN = re.compile(r"\s*(#\w+|:\w+|[A-Za-z_]\w*|\d+|<>|<=|>=|[=<>(),.\[\]+-])")
_MISSING = object()
# A subset of DynamoDB's ~570 reserved words: those an attribute of these items could well be
# called. A bare one in an expression is refused, as DynamoDB does; use a #name placeholder.
RESERVED_WORDS = frozenset(
    """
    action add all and as at between by case comment count data date day delete desc
    domain exists from group hour in index key keys level limit month name not null or
    order range set size source status table text time timestamp total type user value
    values year zone
    """.split()  # noqa: SIM905 (a word list reads better as words)
)


def validation(message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": "ValidationException", "Message": message}}, operation)


def _plain(wire: Item) -> Item:
    return {name: _deserializer.deserialize(value) for name, value in wire.items()}


def _wire(item: Item) -> Item:
    return {name: _serializer.serialize(value) for name, value in item.items()}


class Placeholders:
    """The `#name` and `:value` placeholders of one request, and which of them were used."""

    def __init__(self, operation: str, names: Item | None, values: Item | None) -> None:
        self.operation = operation
        self.names = dict(names or {})
        self.values = _plain(values or {})
        self._used: set[str] = set()

    def name(self, token: str) -> str:
        if token not in self.names:
            raise validation(f"An expression attribute name used is not defined: {token}", "")
        self._used.add(token)
        return str(self.names[token])

    def value(self, token: str) -> Any:
        if token not in self.values:
            raise validation(f"An expression attribute value used is not defined: {token}", "")
        self._used.add(token)
        return self.values[token]

    def check_all_used(self) -> None:
        unused = sorted(set(self.names) - self._used) + sorted(set(self.values) - self._used)
        if unused:
            raise validation(f"Value provided in expression attributes unused: {unused}", "")


class _Parser:
    """One expression, read token by token into functions of an item."""

    def __init__(self, text: str, placeholders: Placeholders) -> None:
        self.tokens = _TOKEN.findall(text)
        if "".join(self.tokens) != re.sub(r"\s+", "", text):
            raise validation(f"Invalid expression: {text}", placeholders.operation)
        self.at = 0
        self.placeholders = placeholders

    def peek(self, offset: int = 0) -> str | None:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.upper() == word:
            self.at += 1
            return True
        return False

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token.upper() != expected):
            raise validation(f"Syntax error: expected {expected}, found {token}", "")
        self.at += 1
        return token

    def done(self) -> None:
        if self.peek() is not None:
            raise validation(f"Syntax error: unexpected {self.peek()}", "")

    # Paths and operands.

    def path(self) -> Path:
        parts: list[str | int] = [self._name(self.take())]
        while self.peek() in {".", "["}:
            if self.take() == ".":
                parts.append(self._name(self.take()))
            else:
                parts.append(int(self.take()))
                self.take("]")
        return tuple(parts)

    def _name(self, token: str) -> str:
        if token.startswith("#"):
            return self.placeholders.name(token)
        if not re.fullmatch(r"[A-Za-z_]\w*", token):
            raise validation(f"Syntax error: {token} is not a name", "")
        if token.lower() in RESERVED_WORDS:
            raise validation(f"Attribute name is a reserved keyword: {token}", "")
        return token

    def operand(self) -> Evaluated:
        token = self.take()
        if token.startswith(":"):
            value = self.placeholders.value(token)
            return lambda item: value
        if self.peek() == "(":
            raise NotImplementedError(f"the memory table does not model {token}()")
        self.at -= 1
        path = self.path()
        return lambda item: _get(item, path)

    # Conditions: OR of ANDs of NOTs of comparisons and functions.

    def condition(self) -> Evaluated:
        terms = [self._conjunction()]
        while self.keyword("OR"):
            terms.append(self._conjunction())
        return terms[0] if len(terms) == 1 else lambda item: any(t(item) for t in terms)

    def _conjunction(self) -> Evaluated:
        terms = [self._negation()]
        while self.keyword("AND"):
            terms.append(self._negation())
        return terms[0] if len(terms) == 1 else lambda item: all(t(item) for t in terms)

    def _negation(self) -> Evaluated:
        if self.keyword("NOT"):
            inner = self._negation()
            return lambda item: not inner(item)
        if self.peek() == "(":
            self.take("(")
            inner = self.condition()
            self.take(")")
            return inner
        token = (self.peek() or "").lower()
        if token in _FUNCTIONS and self.peek(1) == "(":
            return self._function(token)
        return self._comparison()

    def _function(self, name: str) -> Evaluated:
        self.take()
        self.take("(")
        path = self.path()
        argument = self._function_argument() if name == "begins_with" else None
        self.take(")")
        test = _FUNCTIONS[name]
        return lambda item: test(_get(item, path), argument(item) if argument else None)

    def _function_argument(self) -> Evaluated:
        self.take(",")
        return self.operand()

    def _comparison(self) -> Evaluated:
        left = self.operand()
        if self.keyword("BETWEEN"):
            low = self.operand()
            self.take("AND")
            high = self.operand()
            return lambda item: _between(left(item), low(item), high(item))
        if self.keyword("IN"):
            self.take("(")
            choices = [self.operand()]
            while self.peek() == ",":
                self.take(",")
                choices.append(self.operand())
            self.take(")")
            return lambda item: _in(left(item), [choice(item) for choice in choices])
        operator = self.take()
        if operator == "<>":
            raise NotImplementedError("the memory table does not model <>")
        if operator not in _COMPARISONS:
            raise validation(f"Syntax error: {operator} is not a comparison", "")
        right = self.operand()
        compare = _COMPARISONS[operator]
        return lambda item: compare(left(item), right(item))


def _get(item: Item, path: Path) -> Any:
    value: Any = item
    for part in path:
        if isinstance(part, int):
            if not isinstance(value, list) or part >= len(value):
                return _MISSING
            value = value[part]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            return _MISSING
    return value


def _comparable(left: Any, right: Any) -> bool:
    return (
        left is not _MISSING
        and right is not _MISSING
        and type(left) is type(right)
        and isinstance(left, str | Decimal | bytes)
    )


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    return lambda left, right: _comparable(left, right) and test(left, right)


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda left, right: left is not _MISSING and left == right,
    "<": _ordered(lambda left, right: left < right),
    "<=": _ordered(lambda left, right: left <= right),
    ">": _ordered(lambda left, right: left > right),
    ">=": _ordered(lambda left, right: left >= right),
}


def _between(value: Any, low: Any, high: Any) -> bool:
    return _comparable(value, low) and _comparable(value, high) and low <= value <= high


def _in(value: Any, choices: list[Any]) -> bool:
    return value is not _MISSING and value in choices


_FUNCTIONS: dict[str, Callable[[Any, Any], bool]] = {
    "attribute_exists": lambda value, _: value is not _MISSING,
    "attribute_not_exists": lambda value, _: value is _MISSING,
    "begins_with": lambda value, prefix: (
        isinstance(value, str) and isinstance(prefix, str) and value.startswith(prefix)
    ),
}


def condition_of(text: str | None, placeholders: Placeholders) -> Evaluated:
    """A condition expression as a test of an item (an absent item is `{}`)."""
    if not text:
        return lambda item: True
    parser = _Parser(text, placeholders)
    test = parser.condition()
    parser.done()
    return test


# Update expressions: every right-hand side is read from the item as it was before.

Action = Callable[[Item, Item], None]  # (the item before, the item being changed)


class _UpdateParser(_Parser):
    def actions(self) -> tuple[list[Action], list[Path]]:
        actions: list[Action] = []
        paths: list[Path] = []
        clauses = {
            "SET": self._set,
            "REMOVE": self._remove,
            "ADD": self._add,
            "DELETE": self._delete,
        }
        seen: set[str] = set()
        while self.peek() is not None:
            clause = self.take().upper()
            if clause not in clauses or clause in seen:
                raise validation(f"Syntax error in update expression at {clause}", "")
            seen.add(clause)
            while True:
                path, action = clauses[clause]()
                paths.append(path)
                actions.append(action)
                if self.peek() != ",":
                    break
                self.take(",")
        return actions, paths

    def _set(self) -> tuple[Path, Action]:
        path = self.path()
        self.take("=")
        value = self._set_value()
        return path, lambda before, item: _put(item, path, value(before))

    def _set_value(self) -> Evaluated:
        left = self._set_operand()
        if self.peek() not in {"+", "-"}:
            return left
        sign = 1 if self.take() == "+" else -1
        right = self._set_operand()
        return lambda item: _arithmetic(left(item), right(item), sign)

    def _set_operand(self) -> Evaluated:
        word = (self.peek() or "").lower()
        if word == "if_not_exists" and self.peek(1) == "(":
            self.take()
            self.take("(")
            path = self.path()
            self.take(",")
            default = self._set_operand()
            self.take(")")
            return lambda item: default(item) if _get(item, path) is _MISSING else _get(item, path)
        if word == "list_append" and self.peek(1) == "(":
            self.take()
            self.take("(")
            first = self._set_operand()
            self.take(",")
            second = self._set_operand()
            self.take(")")
            return lambda item: [*_list(first(item)), *_list(second(item))]
        return self.operand()

    def _remove(self) -> tuple[Path, Action]:
        path = self.path()
        return path, lambda before, item: _drop(item, path)

    def _add(self) -> tuple[Path, Action]:
        path = self.path()
        value = self.operand()
        return path, lambda before, item: _put(item, path, _added(_get(before, path), value({})))

    def _delete(self) -> tuple[Path, Action]:
        path = self.path()
        value = self.operand()

        def delete(before: Item, item: Item) -> None:
            current = _get(before, path)
            if current is _MISSING:
                return
            if not isinstance(current, set):
                raise validation("DELETE is for sets only", "UpdateItem")
            left = current - value({})
            _put(item, path, left) if left else _drop(item, path)

        return path, delete


def _arithmetic(left: Any, right: Any, sign: int) -> Decimal:
    if not (isinstance(left, Decimal) and isinstance(right, Decimal)):
        raise validation("An operand in the update expression has an incorrect data type", "")
    return left + sign * right


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise validation("list_append takes lists", "UpdateItem")
    return value


def _added(current: Any, value: Any) -> Any:
    if current is _MISSING:
        return value
    if isinstance(current, Decimal) and isinstance(value, Decimal):
        return current + value
    if isinstance(current, set) and isinstance(value, set):
        return current | value
    raise validation("An operand in the update expression has an incorrect data type", "")


def _parent(item: Item, path: Path) -> Any:
    parent: Any = item
    for part in path[:-1]:
        parent = _get(parent, (part,))
        if parent is _MISSING:
            raise validation(
                "The document path provided in the update expression is invalid for update", ""
            )
    return parent


def _put(item: Item, path: Path, value: Any) -> None:
    if isinstance(value, set) and not value:
        raise validation("One or more parameter values were invalid: an empty set", "")
    parent = _parent(item, path)
    last = path[-1]
    if isinstance(last, int) and last >= len(parent):
        parent.append(value)  # beyond the end of a list: appended, as DynamoDB does
    else:
        parent[last] = value


def _drop(item: Item, path: Path) -> None:
    parent = _get(item, path[:-1]) if len(path) > 1 else item
    last = path[-1]
    if isinstance(parent, dict) and isinstance(last, str):
        parent.pop(last, None)
    elif isinstance(parent, list) and isinstance(last, int) and last < len(parent):
        del parent[last]


def _overlapping(paths: list[Path]) -> bool:
    ordered = sorted(paths, key=len)
    return any(
        later[: len(earlier)] == earlier
        for index, earlier in enumerate(ordered)
        for later in ordered[index + 1 :]
    )


def updated(item: Item, text: str, placeholders: Placeholders) -> Item:
    """The item after an update expression (a new item: `item` is left as it was)."""
    parser = _UpdateParser(text, placeholders)
    actions, paths = parser.actions()
    if _overlapping(paths):
        raise validation("Two document paths overlap with each other", "UpdateItem")
    changed = copy.deepcopy(item)
    for action in actions:
        action(item, changed)
    return changed


def _projected(item: Item, text: str | None, placeholders: Placeholders) -> Item:
    if not text:
        return item
    wanted = set()
    for part in text.split(","):
        parser = _Parser(part, placeholders)
        path = parser.path()
        parser.done()
        if len(path) != 1:
            raise NotImplementedError("the memory table projects top-level attributes only")
        wanted.add(path[0])
    return {name: value for name, value in item.items() if name in wanted}


class MemoryTable:
    """One table (whatever its name) held as plain values, keyed by (PK, SK)."""

    def __init__(self) -> None:
        self.items: dict[Key, Item] = {}

    # Reads.

    def get_item(self, Key: Item, ProjectionExpression: str | None = None, **params: Any) -> Item:
        placeholders = Placeholders("GetItem", params.get("ExpressionAttributeNames"), None)
        found = self.items.get(self._key(_plain(Key), "GetItem"))
        shown = _projected(copy.deepcopy(found or {}), ProjectionExpression, placeholders)
        placeholders.check_all_used()
        return {} if found is None else {"Item": _wire(shown)}

    def batch_get_item(self, RequestItems: Item, **unused: Any) -> Item:
        responses: dict[str, list[Item]] = {}
        for table, request in RequestItems.items():
            keys = [self._key(_plain(key), "BatchGetItem") for key in request["Keys"]]
            if len(keys) > MAX_BATCH_GET_KEYS or len(set(keys)) != len(keys):
                raise validation("Too many keys, or duplicate keys, in one request", "BatchGetItem")
            placeholders = Placeholders(
                "BatchGetItem", request.get("ExpressionAttributeNames"), None
            )
            projection = request.get("ProjectionExpression")
            responses[table] = [
                _wire(_projected(copy.deepcopy(self.items[key]), projection, placeholders))
                for key in keys
                if key in self.items
            ]
            placeholders.check_all_used()
        return {"Responses": responses, "UnprocessedKeys": {}}

    def query(self, **params: Any) -> Item:
        placeholders = Placeholders(
            "Query", params.get("ExpressionAttributeNames"), params.get("ExpressionAttributeValues")
        )
        matches_key = condition_of(params["KeyConditionExpression"], placeholders)
        keep = condition_of(params.get("FilterExpression"), placeholders)
        projection = params.get("ProjectionExpression")
        index = params.get("IndexName")
        candidates = self._in_key_order(index, not params.get("ScanIndexForward", True))
        evaluated = self._after(
            [item for item in candidates if matches_key(item)], params.get("ExclusiveStartKey")
        )
        limit = params.get("Limit")
        page = evaluated[:limit] if limit else evaluated
        answer: Item = {
            "Items": [
                _wire(_projected(copy.deepcopy(item), projection, placeholders))
                for item in page
                if keep(item)
            ]
        }
        placeholders.check_all_used()
        if limit and len(evaluated) > limit:
            answer["LastEvaluatedKey"] = _wire(self._start_key(page[-1], index))
        return answer

    def _in_key_order(self, index: str | None, backwards: bool) -> list[Item]:
        if index is None:
            ordered = sorted(self.items.values(), key=lambda item: (item["PK"], item["SK"]))
        else:
            sort_key = INDEX_SORT_KEYS[index]
            ordered = sorted(
                (item for item in self.items.values() if isinstance(item.get(sort_key), str)),
                key=lambda item: (item["PK"], item[sort_key], item["SK"]),
            )
        return ordered[::-1] if backwards else ordered

    def _after(self, items: list[Item], start: Item | None) -> list[Item]:
        if not start:
            return items
        key = self._key(_plain(start), "Query")
        position = next(
            index for index, item in enumerate(items) if (item["PK"], item["SK"]) == key
        )
        return items[position + 1 :]

    @staticmethod
    def _start_key(item: Item, index: str | None) -> Item:
        names = ("PK", "SK", INDEX_SORT_KEYS[index]) if index else ("PK", "SK")
        return {name: item[name] for name in names}

    # Writes.

    def put_item(self, Item: Item, **params: Any) -> Item:
        self.transact_write_items([{"Put": {"Item": Item, **params}}], operation="PutItem")
        return {}

    def update_item(self, **params: Any) -> Item:
        returned = params.pop("ReturnValues", "NONE")
        self.transact_write_items([{"Update": params}], operation="UpdateItem")
        if returned != "ALL_NEW":
            return {}
        return {"Attributes": _wire(self.items[self._key(_plain(params["Key"]), "UpdateItem")])}

    def delete_item(self, **params: Any) -> Item:
        self.transact_write_items([{"Delete": params}], operation="DeleteItem")
        return {}

    def batch_write_item(self, RequestItems: Item, **unused: Any) -> Item:
        for requests in RequestItems.values():
            if len(requests) > MAX_BATCH_WRITE_ITEMS:
                raise validation("Too many items in one BatchWriteItem", "BatchWriteItem")
            keys = [
                self._key(
                    _plain(request["DeleteRequest"]["Key"])
                    if "DeleteRequest" in request
                    else _plain(request["PutRequest"]["Item"]),
                    "BatchWriteItem",
                )
                for request in requests
            ]
            if len(set(keys)) != len(keys):
                raise validation("Provided list of item keys contains duplicates", "BatchWrite")
            for request in requests:
                if "DeleteRequest" in request:
                    self.items.pop(self._key(_plain(request["DeleteRequest"]["Key"]), ""), None)
                else:
                    item = _plain(request["PutRequest"]["Item"])
                    self.items[self._key(item, "BatchWriteItem")] = item
        return {"UnprocessedItems": {}}

    def transact_write_items(
        self, TransactItems: list[Item], operation: str = "TransactWriteItems", **unused: Any
    ) -> Item:
        if len(TransactItems) > MAX_TRANSACTION_ITEMS:
            raise validation("Member must have length less than or equal to 100", operation)
        planned = [self._plan(action, operation) for action in TransactItems]
        keys = [key for key, _holds, _after in planned]
        if len(set(keys)) != len(keys):
            raise validation(
                "Transaction request cannot include multiple operations on one item", operation
            )
        failed = [not holds for _key, holds, _after in planned]
        if any(failed):
            self._refuse(failed, operation)
        for key, _holds, after in planned:
            if after is _MISSING:
                continue
            if after is None:
                self.items.pop(key, None)
            else:
                self.items[key] = after
        return {}

    def _plan(self, action: Item, operation: str) -> tuple[Key, bool, Any]:
        """The item's key, whether its condition holds, and what it becomes (None: deleted,
        _MISSING: unchanged), computed on the table as it was before the request."""
        [(kind, body)] = action.items()
        placeholders = Placeholders(
            operation, body.get("ExpressionAttributeNames"), body.get("ExpressionAttributeValues")
        )
        new_item = _plain(body["Item"]) if kind == "Put" else None
        key = self._key(new_item if new_item is not None else _plain(body["Key"]), operation)
        before = self.items.get(key)
        holds = condition_of(body.get("ConditionExpression"), placeholders)(before or {})
        after: Any = {"Put": new_item, "Delete": None, "ConditionCheck": _MISSING}.get(kind)
        if kind == "Update":
            start = copy.deepcopy(before) if before else {"PK": key[0], "SK": key[1]}
            after = updated(start, body["UpdateExpression"], placeholders)
        placeholders.check_all_used()
        return key, holds, after

    @staticmethod
    def _refuse(failed: list[bool], operation: str) -> None:
        if operation != "TransactWriteItems":
            raise ClientError(
                {
                    "Error": {
                        "Code": "ConditionalCheckFailedException",
                        "Message": "The conditional request failed",
                    }
                },
                operation,
            )
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                "CancellationReasons": [
                    {"Code": "ConditionalCheckFailed"} if failure else {"Code": "None"}
                    for failure in failed
                ],
            },
            operation,
        )

    @staticmethod
    def _key(item: Item, operation: str) -> Key:
        pk, sk = item.get("PK"), item.get("SK")
        if not (isinstance(pk, str) and isinstance(sk, str) and pk and sk):
            raise validation("The key must be two non-empty strings, PK and SK", operation)
        return pk, sk

    def partition(self, pk: str) -> list[Item]:
        """The items of one partition, in key order (for tests that look at what was stored)."""
        return [copy.deepcopy(item) for (p, _), item in sorted(self.items.items()) if p == pk]

    def all_items(self) -> Iterable[Item]:
        return [copy.deepcopy(item) for _, item in sorted(self.items.items())]

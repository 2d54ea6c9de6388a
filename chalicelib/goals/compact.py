"""The compact stored encoding of a goal's progress state: short attribute names, fields at
their default left out, and the period history as parallel values.

The goal item carries its progress state and is rewritten on every log, inside a transaction
that bills twice per started KB (and again in the sync index): every byte of it is paid for on
every write, and again on every list read. Decoding reads both this shape and the one items
written before it hold (long snake_case names, every field present, history as a list of
`[period key, achieved, value, excused?]`): short and long names never clash, so a map of
either kind decodes through the same code. Pure functions on maps; no progress rules here.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.core.clock import parse_instant, to_iso
from chalicelib.core.local_time import PeriodUnit, period_key, start_of_period_key

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def pack_instant(value: str | None) -> str | int | None:
    """An instant (as core.clock.to_iso writes it) as milliseconds since 1970: 8 bytes
    instead of 24. Any other text is kept as it is."""
    if value is None:
        return None
    try:
        milliseconds = (parse_instant(value) - _EPOCH) // _MILLISECOND
    except ValueError:
        return value
    return milliseconds if unpack_instant(milliseconds) == value else value


def unpack_instant(stored: str | float | None) -> str | None:
    """An instant from either stored form: its text, or milliseconds since 1970."""
    if stored is None or isinstance(stored, str):
        return stored
    return to_iso(_EPOCH + int(stored) * _MILLISECOND)


# The open day's aggregate inside a goal's progress state, under short names: the goal item is
# rewritten on every log, while a day item (which keeps the long names) is one small item.
OPEN_DAY_NAMES = {
    "total": "t",
    "valueCount": "n",
    "positiveCount": "p",
    "skipped": "s",
    "counts": "c",
    "min": "lo",
    "max": "hi",
    "lastValue": "lv",
    "lastValueAt": "lva",
    "lastAt": "la",
    "timeOfDay": "h",
}


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, list) and isinstance(default, tuple):
        value = tuple(value)
    return bool(value == default)


def pack(
    values: Mapping[str, Any], short_names: Mapping[str, str], defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """`values` under their short names (a field without one keeps its own), without those
    still at their default."""
    return {
        short_names.get(name, name): value
        for name, value in values.items()
        if not (name in defaults and _same(value, defaults[name]))
    }


def unpack(item: Mapping[str, Any] | None, short_names: Mapping[str, str]) -> dict[str, Any]:
    """A stored map (either shape) under the long names; absent fields stay absent."""
    long_names = {short: name for name, short in short_names.items()}
    return {long_names.get(key, key): value for key, value in (item or {}).items()}


def _unit_of(key: str) -> PeriodUnit:
    """The period a key names, from its form (local_time.period_key makes them)."""
    if "-W" in key:
        return "week"
    if "-Q" in key:
        return "quarter"
    return {10: "day", 7: "month"}.get(len(key), "year")  # type: ignore[return-value]


def _keys_ending(last: str, count: int) -> list[str]:
    """`count` consecutive period keys ending with `last`, oldest first."""
    unit = _unit_of(last)
    keys = [last]
    while len(keys) < count:
        keys.append(period_key(start_of_period_key(keys[-1], unit) - timedelta(days=1), unit))
    return keys[::-1]


def pack_history(history: list[list[Any]]) -> dict[str, Any] | list[list[Any]]:
    """The ended periods as the last one's key (periods are consecutive, so it names them
    all), their values in one comma-separated string (a list of numbers costs a byte more per
    value) and which were achieved (`a`) and excused (`x`) as bit masks, oldest period in the
    lowest bit, left out when 0. A history this cannot state exactly (none is known) is kept
    as it is."""
    if not history:
        return []
    packed: dict[str, Any] = {
        "k": history[-1][0],
        "v": ",".join(_text(entry[2]) for entry in history),
    }
    achieved = sum(1 << index for index, entry in enumerate(history) if entry[1])
    excused = sum(1 << index for index, entry in enumerate(history) if len(entry) > 3 and entry[3])
    packed |= {name: mask for name, mask in (("a", achieved), ("x", excused)) if mask}
    return packed if unpack_history(packed) == history else history


def _text(value: float | None) -> str:
    """A value as short as it reads back exactly (a whole float as an integer, as DynamoDB
    returns it anyway)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(value)


def _number(text: str) -> float | int | None:
    """A value as `pack_history` wrote it (repr: floats read back exactly)."""
    if not text:
        return None
    return int(text) if text.lstrip("-").isdigit() else float(text)


def unpack_history(stored: Mapping[str, Any] | Iterable[list[Any]] | None) -> list[list[Any]]:
    """The history as `[period key, achieved, value]` entries with a fourth `True` when the
    period was excused, from either stored shape."""
    if not stored:
        return []
    if not isinstance(stored, Mapping):
        return [list(entry) for entry in stored]
    values = [_number(text) for text in str(stored["v"]).split(",")]
    keys = _keys_ending(stored["k"], len(values))
    achieved, excused = int(stored.get("a", 0)), int(stored.get("x", 0))
    return [
        [key, bool(achieved >> index & 1), value, *([True] if excused >> index & 1 else [])]
        for index, (key, value) in enumerate(zip(keys, values, strict=True))
    ]

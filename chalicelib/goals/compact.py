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
from datetime import timedelta
from typing import Any

from chalicelib.core.local_time import PeriodUnit, period_key, start_of_period_key

# History flags, one character a period: achieved, excused (skipped or paused), or neither.
_ACHIEVED, _EXCUSED, _MISSED = "a", "x", "-"


def _same(value: Any, default: Any) -> bool:
    if isinstance(value, list) and isinstance(default, tuple):
        value = tuple(value)
    return bool(value == default)


def pack(
    values: Mapping[str, Any], short_names: Mapping[str, str], defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """`values` under their short names, without those still at their default."""
    return {
        short_names[name]: value
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
    """The ended periods as their last key, one flag character each and their values in one
    comma-separated string (a list of numbers costs a byte more per value): periods are
    consecutive, so one key names them all. A history this cannot state exactly (none is
    known) is kept as it is."""
    if not history:
        return []
    flags = "".join(
        _ACHIEVED if entry[1] else _EXCUSED if len(entry) > 3 and entry[3] else _MISSED
        for entry in history
    )
    values = ",".join(_text(entry[2]) for entry in history)
    packed = {"k": history[-1][0], "f": flags, "v": values}
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
    flags: str = stored["f"]
    keys = _keys_ending(stored["k"], len(flags))
    values = [_number(text) for text in str(stored["v"]).split(",")]
    return [
        [key, flag == _ACHIEVED, value, *([True] if flag == _EXCUSED else [])]
        for key, flag, value in zip(keys, flags, values, strict=True)
    ]

"""What `statistics` and `insights` (goals/statistics.py) need of a span of days, as one small
typed value that a day aggregate and a stored month rollup both turn into.

Summaries add up (`combine`), so the statistics of a window are the same whether its days are
read one by one or partly as month rollups (goals/rollups.py): one code path. Sums are exact
decimals (each value as DynamoDB stores it, added in a 60-digit context), so adding day by day
or month by month gives the same number to the last digit, and a tie between weekdays stays a
tie. Pure; no I/O.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Context, Decimal
from typing import Any

from chalicelib.goals.aggregates import ACTIVITY_TYPES, TIMES_OF_DAY, VALUE_TYPES, DayAggregate

_EXACT = Context(prec=60)
_ZERO = Decimal(0)
WEEKDAYS = 7  # Monday first, as date.weekday() counts


def exact(number: float) -> Decimal:
    """A stored number as the decimal DynamoDB keeps (core/dynamo.py writes floats by repr)."""
    return Decimal(repr(number)) if isinstance(number, float) else Decimal(number)


def _sum(numbers: Iterable[Decimal]) -> Decimal:
    total = _ZERO
    for number in numbers:
        total = _EXACT.add(total, number)
    return total


def _zero_decimals() -> tuple[Decimal, ...]:
    return (_ZERO,) * WEEKDAYS


@dataclass(frozen=True)
class Summary:
    """Counts per activity type, the sum and count of values, their lowest and highest, how
    many days had a value, per weekday the sum and count of values, the values per time-of-day
    bucket, and the first and last day with an activity."""

    counts: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIVITY_TYPES, 0))
    total: Decimal = _ZERO
    value_count: int = 0
    lowest: float | None = None
    highest: float | None = None
    active_days: int = 0
    weekday_totals: tuple[Decimal, ...] = field(default_factory=_zero_decimals)
    weekday_values: tuple[int, ...] = (0,) * WEEKDAYS
    time_of_day: tuple[int, ...] = (0,) * len(TIMES_OF_DAY)  # in TIMES_OF_DAY order
    first_day: date | None = None
    last_day: date | None = None

    def count_of(self, kind: str) -> int:
        return self.counts.get(kind, 0)

    @property
    def valued(self) -> int:
        """Activities of a type that carries a value."""
        return sum(self.count_of(kind) for kind in VALUE_TYPES)

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values())

    def to_item(self) -> dict[str, Any]:
        """The stored shape of a month rollup: short attribute names (they are billed on every
        write), sums as decimal strings so they come back exact."""
        return {
            "counts": [self.count_of(kind) for kind in ACTIVITY_TYPES],
            "total": str(self.total),
            "values": self.value_count,
            "min": self.lowest,
            "max": self.highest,
            "activeDays": self.active_days,
            "wdTotals": [str(total) for total in self.weekday_totals],
            "wdValues": list(self.weekday_values),
            "tod": list(self.time_of_day),
            "first": self.first_day.isoformat() if self.first_day else None,
            "last": self.last_day.isoformat() if self.last_day else None,
        }

    @classmethod
    def from_item(cls, item: Mapping[str, Any]) -> "Summary":
        return cls(
            counts=dict(zip(ACTIVITY_TYPES, item["counts"], strict=True)),
            total=Decimal(item["total"]),
            value_count=item["values"],
            lowest=item.get("min"),
            highest=item.get("max"),
            active_days=item["activeDays"],
            weekday_totals=tuple(Decimal(total) for total in item["wdTotals"]),
            weekday_values=tuple(item["wdValues"]),
            time_of_day=tuple(item["tod"]),
            first_day=date.fromisoformat(item["first"]) if item.get("first") else None,
            last_day=date.fromisoformat(item["last"]) if item.get("last") else None,
        )


def of_day(aggregate: DayAggregate) -> Summary:
    weekday = aggregate.day.weekday()
    total = exact(aggregate.total)
    return Summary(
        counts={kind: aggregate.count_of(kind) for kind in ACTIVITY_TYPES},
        total=total,
        value_count=aggregate.value_count,
        lowest=aggregate.lowest,
        highest=aggregate.highest,
        active_days=1 if aggregate.value_count > 0 else 0,
        weekday_totals=tuple(total if day == weekday else _ZERO for day in range(WEEKDAYS)),
        weekday_values=tuple(
            aggregate.value_count if day == weekday else 0 for day in range(WEEKDAYS)
        ),
        time_of_day=tuple(aggregate.time_of_day[bucket].count for bucket in TIMES_OF_DAY),
        first_day=None if aggregate.is_empty else aggregate.day,
        last_day=None if aggregate.is_empty else aggregate.day,
    )


def _extreme(values: list[float | None], pick: Any) -> float | None:
    present = [value for value in values if value is not None]
    return pick(present) if present else None


def combine(summaries: Iterable[Summary]) -> Summary:
    """The summary of all their days together."""
    parts = list(summaries)
    firsts = [part.first_day for part in parts if part.first_day]
    lasts = [part.last_day for part in parts if part.last_day]
    return Summary(
        counts={kind: sum(part.count_of(kind) for part in parts) for kind in ACTIVITY_TYPES},
        total=_sum(part.total for part in parts),
        value_count=sum(part.value_count for part in parts),
        lowest=_extreme([part.lowest for part in parts], min),
        highest=_extreme([part.highest for part in parts], max),
        active_days=sum(part.active_days for part in parts),
        weekday_totals=tuple(
            _sum(part.weekday_totals[day] for part in parts) for day in range(WEEKDAYS)
        ),
        weekday_values=tuple(
            sum(part.weekday_values[day] for part in parts) for day in range(WEEKDAYS)
        ),
        time_of_day=tuple(
            sum(part.time_of_day[index] for part in parts) for index in range(len(TIMES_OF_DAY))
        ),
        first_day=min(firsts) if firsts else None,
        last_day=max(lasts) if lasts else None,
    )


def of_days(aggregates: Iterable[DayAggregate]) -> Summary:
    return combine(of_day(aggregate) for aggregate in aggregates)


def mean(total: Decimal, count: int) -> Decimal:
    return _EXACT.divide(total, Decimal(count))

"""Stored fold checkpoints: a goal's progress fold and totals through the last day of a local
ISO week, so that a write dated in the past refolds from the week before it instead of from
the goal's first day (progress_state.refold).

A checkpoint is a cache and must never be stale. It is valid only while its `generation` and
`rules_digest` equal those of the goal's stored progress state: a write that changes a day
rewrites every checkpoint after it, and any recomputation that does not (a rule edit, a pause,
an import...) bumps the state's generation, which invalidates every checkpoint at once for the
price of an int. Pure; the items live in the goal's partition (goals/repository.py).
"""

import hashlib
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from chalicelib.goals.progress import Fold, Rules, Totals

# A write that would have to rewrite more checkpoints than this (one dated weeks back) bumps
# the generation instead and writes only the latest ones; a recomputation writes the latest
# this many (a journal entry, which logs to up to 10 goals at once, writes fewer: goals/links.py).
MAX_CHECKPOINT_WRITES = 6


@dataclass(frozen=True)
class Checkpoint:
    """The fold through `week_end` (a Sunday, inclusive) and the totals over the days up to it."""

    week_end: date
    fold: Fold
    totals: Totals
    generation: int
    rules_digest: str

    def to_item(self) -> dict[str, Any]:
        return {
            "fold": self.fold.to_item(),
            "totals": self.totals.to_item(),
            "generation": self.generation,
            "rulesDigest": self.rules_digest,
        }

    @classmethod
    def from_item(cls, week_end: date, item: dict[str, Any]) -> "Checkpoint":
        return cls(
            week_end=week_end,
            fold=Fold.from_item(item["fold"]),
            totals=Totals.from_item(item["totals"]),
            generation=int(item.get("generation", 0)),
            rules_digest=str(item.get("rulesDigest", "")),
        )

    def valid_for(self, generation: int, digest: str | None) -> bool:
        return digest is not None and (self.generation, self.rules_digest) == (generation, digest)


def rules_digest(rules: Rules) -> str:
    """A short digest of everything the fold depends on besides the days' totals. Numbers
    count as floats: a goal read back from DynamoDB holds 5 where the write that made it held
    5.0 (core/dynamo.py), and both are the same rule. Spans print as their dates."""
    canonical = replace(
        rules,
        value=float(rules.value),
        min_value=None if rules.min_value is None else float(rules.min_value),
        max_value=None if rules.max_value is None else float(rules.max_value),
        start_value=float(rules.start_value),
        initial_current=None if rules.initial_current is None else float(rules.initial_current),
        checkins_per_day=float(rules.checkins_per_day),
        allow_skips=int(rules.allow_skips),
    )
    return hashlib.sha256(repr(canonical).encode()).hexdigest()[:12]


def week_start(day: date) -> date:
    """The Monday of `day`'s ISO week."""
    return day - timedelta(days=day.weekday())


def week_ends_between(after: date, through: date) -> list[date]:
    """The Sundays later than `after` and no later than `through`, oldest first."""
    sunday = after + timedelta(days=7 - after.isoweekday() or 7)
    ends: list[date] = []
    while sunday <= through:
        ends.append(sunday)
        sunday += timedelta(days=7)
    return ends

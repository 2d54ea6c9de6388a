"""Summaries of measured requests: latency percentiles and DynamoDB usage."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench.meter import Usage


@dataclass(frozen=True)
class Sample:
    seconds: float
    usage: Usage


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(samples: list[Sample]) -> dict[str, Any]:
    millis = [sample.seconds * 1000 for sample in samples]
    usages = [sample.usage for sample in samples]
    sequences = Counter(" + ".join(usage.operations) for usage in usages)
    return {
        "samples": len(samples),
        "p50Ms": round(percentile(millis, 0.5), 2),
        "p95Ms": round(percentile(millis, 0.95), 2),
        "meanMs": round(statistics.fmean(millis), 2),
        "requests": max(usage.requests for usage in usages),
        "reads": max(usage.reads for usage in usages),
        "itemsRead": max(usage.items_read for usage in usages),
        "writes": max(usage.requests - usage.reads for usage in usages),
        "transactions": max(usage.transactions for usage in usages),
        "otherWrites": max(usage.other_writes for usage in usages),
        "minRequests": min(usage.requests for usage in usages),
        "calls": sequences.most_common(1)[0][0],
        "callVariants": sorted(sequences),
        "rcu": round(statistics.median(usage.rcu for usage in usages), 2),
        "wcu": round(statistics.median(usage.wcu for usage in usages), 2),
        "maxRcu": round(max(usage.rcu for usage in usages), 2),
        "maxWcu": round(max(usage.wcu for usage in usages), 2),
        "retries": sum(call.retries for usage in usages for call in usage.calls),
        "identityCalls": max(len(usage.identity_calls) for usage in usages),
        "identityCallSequence": Counter(
            " + ".join(usage.identity_calls) for usage in usages
        ).most_common(1)[0][0],
    }

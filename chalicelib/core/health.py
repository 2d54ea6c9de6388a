"""The health report: whether the table answers, without ever failing itself."""

import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib import __version__
from chalicelib.core import dynamo
from chalicelib.core.clock import now_iso

# A key no item ever has: reading it costs half a read unit and proves the table answers.
_PROBE_KEY = {"PK": {"S": "HEALTH#probe"}, "SK": {"S": "HEALTH#probe"}}


def _check_table() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        dynamo.probe_client().get_item(TableName=dynamo.table_name(), Key=_PROBE_KEY)
    except (ClientError, BotoCoreError) as exc:
        return {"status": "unhealthy", "error": type(exc).__name__}
    return {"status": "healthy", "latencyMs": round((time.perf_counter() - started) * 1000, 1)}


def health_report() -> dict[str, Any]:
    checks = {"dynamodb": _check_table()}
    healthy = all(check["status"] == "healthy" for check in checks.values())
    return {
        "status": "healthy" if healthy else "degraded",
        "checks": checks,
        "version": __version__,
        "timestamp": now_iso(),
    }

"""Whether this process reports traces and metrics: only a deployed Lambda function does.

Locally (`chalice local`, `make run`), in tests and in the benchmark there is no X-Ray daemon
and no one reads metric lines, so tracing and metrics are off there and their libraries are
never even imported (which keeps those cold starts as they were). Powertools' own switches
still win: POWERTOOLS_TRACE_DISABLED and POWERTOOLS_METRICS_DISABLED turn either off anywhere.
"""

import os

_TRUTHY = {"1", "true", "yes", "on", "y", "t"}


def in_lambda() -> bool:
    """Running in AWS Lambda, not in one of its local emulators (the rule Powertools uses)."""
    return bool(os.environ.get("LAMBDA_TASK_ROOT")) and not (
        os.environ.get("AWS_SAM_LOCAL") or os.environ.get("AWS_CHALICE_CLI_MODE")
    )


def _switched_off(variable: str) -> bool:
    return os.environ.get(variable, "").strip().lower() in _TRUTHY


def tracing_enabled() -> bool:
    return in_lambda() and not _switched_off("POWERTOOLS_TRACE_DISABLED")


def metrics_enabled() -> bool:
    return in_lambda() and not _switched_off("POWERTOOLS_METRICS_DISABLED")


def metrics_namespace(stage: str) -> str:
    """One CloudWatch namespace per stage, so dev traffic never shows on prod's alarms."""
    return f"AiLifestyleApi/{stage}"

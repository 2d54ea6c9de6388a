"""Sending to an SQS queue (the account-deletion job, account/). One client per process,
bounded like the others, so a hung SQS ends in our 503."""

import json
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.core.config import get_settings

# SQS's own limit on a message's delay.
MAX_DELAY_SECONDS = 900


@lru_cache(maxsize=1)
def client() -> Any:
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=3
    )
    return boto3.client("sqs", region_name=get_settings().region, config=config)


@lru_cache(maxsize=8)
def queue_url(name: str) -> str:
    return str(client().get_queue_url(QueueName=name)["QueueUrl"])


def send(name: str, body: dict[str, Any], *, delay_seconds: int = 0) -> None:
    """One message to the queue `name`, visible after `delay_seconds` (at most 15 minutes)."""
    client().send_message(
        QueueUrl=queue_url(name),
        MessageBody=json.dumps(body, separators=(",", ":")),
        DelaySeconds=max(0, min(MAX_DELAY_SECONDS, delay_seconds)),
    )

"""Sending email through SES (goal reminders). One client per process, bounded like the
others; locally it talks to moto's SES on the stack's moto port (AWS_ENDPOINT_URL_SES)."""

from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

from chalicelib.core.config import get_settings


@lru_cache(maxsize=1)
def client() -> Any:
    config = Config(
        retries={"mode": "standard", "total_max_attempts": 3}, connect_timeout=1, read_timeout=3
    )
    return boto3.client("ses", region_name=get_settings().region, config=config)


def send_text(to: str, subject: str, body: str) -> str:
    """Send a plain-text email from the configured sender; returns SES's message id."""
    answer = client().send_email(
        Source=get_settings().reminder_sender,
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
        },
    )
    message_id: str = answer["MessageId"]
    return message_id

"""The local stand-in for Lambda's SQS event source: runs the account jobs (deletions and
exports) locally.

    python scripts/deletion_worker.py        # `make run` starts it beside chalice local;
                                             # beside `make stack`, run it yourself

chalice local serves HTTP routes only, never `@app.on_sqs_message` handlers. This worker
long-polls the account-jobs queue on the stack's moto server and hands each message to the same
handler Lambda calls (app.py's `erase_accounts`), with an event and a context shaped like
Lambda's. As the event source mapping does, it deletes a message once the handler returned,
and leaves it to reappear after its visibility timeout when the handler raised (after
`maxReceiveCount` receives, SQS moves it to the dead-letter queue). The tests drive
`drain`, the same loop, until the queue is empty. On start it queues again every job not
yet completed (`requeue_unfinished`): moto's queues do not survive a restart of the stack.
(An export's archive does not survive one either: moto keeps S3 in memory too, so a ready
export's link then answers 404 NoSuchKey; export again.)
"""

from __future__ import annotations

import json
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python scripts/deletion_worker.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# A run's time limit, as the deployed handler's timeout (scripts/resources.py) gives it.
RUN_SECONDS = 900
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LambdaContext:
    """What the handler reads of Lambda's context: how much time is left."""

    deadline: float
    function_name: str = "erase_accounts"
    aws_request_id: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


def _event(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": "us-east-1",
            }
        ]
    }


def poll_once(
    sqs: Any,
    queue_url: str,
    handler: Handler,
    *,
    wait_seconds: int = 20,
    run_seconds: float = RUN_SECONDS,
    visibility_seconds: int | None = None,
) -> int:
    """Receive at most one message (waiting up to `wait_seconds`), run the handler on it, and
    delete it if the handler returned. Returns how many messages were received (0 or 1)."""
    options: dict[str, Any] = {}
    if visibility_seconds is not None:
        options["VisibilityTimeout"] = visibility_seconds
    received = sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=1,
        WaitTimeSeconds=wait_seconds,
        AttributeNames=["All"],
        **options,
    ).get("Messages", [])
    if not received:
        return 0
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    message = received[0]
    context = LambdaContext(deadline=time.monotonic() + run_seconds)
    try:
        handler(_event(message, arn["Attributes"]["QueueArn"]), context)
    except Exception as error:  # as Lambda: the message comes back after its timeout
        print(f"deletion worker: the handler failed ({type(error).__name__})", file=sys.stderr)
        return 1
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return 1


def drain(sqs: Any, queue_url: str, handler: Handler, *, run_seconds: float = RUN_SECONDS) -> int:
    """Handle messages until none is waiting (the tests' way to run jobs to completion).
    Returns how many were handled."""
    handled = 0
    while poll_once(sqs, queue_url, handler, wait_seconds=1, run_seconds=run_seconds):
        handled += 1
    return handled


def requeue_unfinished(dynamodb: Any, table: str, sqs: Any, queue_url: str) -> int:
    """Queue every job not yet completed again: moto keeps its queues in memory, so a stack
    restart loses their messages, while the jobs stay in DynamoDB Local. Running a job twice
    is harmless. Local only: deployed, SQS keeps its messages (and a Scan would be too dear).
    Returns how many jobs were queued."""
    from chalicelib.account.exports.records import export_job_key
    from chalicelib.account.imports.records import job_key_of
    from chalicelib.account.messages import export_message, import_message, message_for

    queued = 0
    pages = dynamodb.get_paginator("scan").paginate(
        TableName=table,
        FilterExpression="(begins_with(PK, :job) AND #status <> :done) OR "
        "(begins_with(SK, :export) AND #status IN (:queued, :running)) OR "
        "(begins_with(SK, :import) AND #status IN (:queued, :running))",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":job": {"S": "DELETION#"},
            ":done": {"S": "completed"},
            ":export": {"S": "EXPORT#"},
            ":import": {"S": "IMPORT#"},
            ":queued": {"S": "queued"},
            ":running": {"S": "running"},
        },
        ProjectionExpression="PK, SK, userId, exportId, importId",
    )
    for page in pages:
        for item in page.get("Items", []):
            if item["PK"]["S"].startswith("DELETION#"):
                body = message_for(item["PK"]["S"].removeprefix("DELETION#"))
            elif item["SK"]["S"].startswith("IMPORT#"):
                body = import_message(job_key_of(item["userId"]["S"], item["importId"]["S"]))
            else:
                body = export_message(export_job_key(item["userId"]["S"], item["exportId"]["S"]))
            sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))
            queued += 1
    return queued


def app_handler() -> Handler:
    from app import erase_accounts

    handler: Handler = erase_accounts  # Chalice's wrapper: called as Lambda calls it
    return handler


def main() -> int:
    import boto3

    from chalicelib.core import local_stage
    from chalicelib.core.config import get_settings

    if local_stage.stack_missing():  # run by hand: take the running stack's settings
        print(local_stage.STACK_NOT_RUNNING, file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    settings = get_settings()
    sqs = boto3.client("sqs", region_name=settings.region)
    queue_url = sqs.get_queue_url(QueueName=settings.deletion_queue)["QueueUrl"]
    dynamodb = boto3.client("dynamodb", region_name=settings.region)
    queued = requeue_unfinished(dynamodb, settings.table_name, sqs, queue_url)
    handler = app_handler()
    print(f"deletion worker: polling {queue_url} ({queued} unfinished job(s) queued)", flush=True)
    while True:  # until the stack stops it
        poll_once(sqs, queue_url, handler)


if __name__ == "__main__":
    sys.exit(main())

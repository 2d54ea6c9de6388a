"""The local stand-in for the reminder schedule: runs app.py's `send_reminders` every minute,
and shows what moto's SES has sent.

    python scripts/reminder_worker.py          # `make run` starts it beside chalice local;
                                               # beside `make stack`, run it yourself
    python scripts/reminder_worker.py --once   # one run now (what the schedule does a minute)
    python scripts/reminder_worker.py --sent   # the reminders sent so far (moto's SES)

chalice local serves HTTP routes only, never `@app.schedule` functions. This calls the same
handler EventBridge calls, with an event shaped like a scheduled event, at the start of every
minute. moto keeps sent email in memory: `--sent` reads it from the stack's moto server
(`/moto-api/data.json`), so it is empty again after a restart of the stack.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python scripts/reminder_worker.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Handler = Callable[[dict[str, Any], Any], Any]


def scheduled_event(now: datetime) -> dict[str, Any]:
    """What EventBridge hands a scheduled Lambda."""
    return {
        "version": "0",
        "id": "local",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:000000000000:rule/local-send-reminders"],
        "detail": {},
    }


def run_once(handler: Handler) -> None:
    handler(scheduled_event(datetime.now(UTC)), None)


def sent_messages(moto_endpoint: str) -> list[dict[str, Any]]:
    """The email moto's SES has accepted since the stack started: source, destinations,
    subject and body of each."""
    url = f"{moto_endpoint.rstrip('/')}/moto-api/data.json"
    if not url.startswith(("http://", "https://")):
        raise ValueError("the stack's SES endpoint is not an http(s) URL")
    with urllib.request.urlopen(url) as answer:  # noqa: S310 - checked just above
        data = json.load(answer)
    messages: list[dict[str, Any]] = data.get("ses", {}).get("Message", [])
    return messages


def app_handler() -> Handler:
    from app import send_reminders

    handler: Handler = send_reminders  # Chalice's wrapper: called as Lambda calls it
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    import os

    from chalicelib.core import local_stage

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--once", action="store_true", help="one run now, then exit")
    choice.add_argument("--sent", action="store_true", help="print what was sent, then exit")
    args = parser.parse_args(argv)
    if local_stage.stack_missing():  # run by hand: take the running stack's settings
        print(local_stage.STACK_NOT_RUNNING, file=sys.stderr)
        return 1
    if args.sent:
        for message in sent_messages(os.environ["AWS_ENDPOINT_URL_SES"]):
            print(json.dumps(message, indent=2))
        return 0
    handler = app_handler()
    if args.once:
        run_once(handler)
        return 0
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    print("reminder worker: sending due reminders at the start of every minute", flush=True)
    while True:  # until the stack stops it
        time.sleep(60 - time.time() % 60)
        try:
            run_once(handler)
        except Exception as error:  # as the schedule: the next minute tries again
            print(f"reminder worker: the run failed ({type(error).__name__})", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

"""A fresh process that looks like a deployed Lambda function to the app (LAMBDA_TASK_ROOT and
an X-Ray trace header set), on moto's in-process AWS, driven with API Gateway proxy events.

    python -m tests.unit.lambda_process OUT.json

Tracing patches botocore for the whole process, hence a process of its own. What the app
prints (log lines, EMF metric lines) goes to stdout as in Lambda; the X-Ray segments the SDK
would send to the daemon, and the answers, are written to OUT.json.
"""

import json
import sys
from pathlib import Path
from typing import Any

PERSONAL = {
    "email": "grace@example.com",
    "firstName": "Grace",
    "lastName": "Hopper",
    "password": "Str0ng!Passw0rd",
    "journal": "my-private-journal-words",
}
GATEWAY_REQUEST_ID = "gw-0f1e2d3c"


class CapturingEmitter:
    """Stands in for the UDP emitter that sends segments to the X-Ray daemon."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_entity(self, entity: Any) -> None:
        self.sent.append(json.loads(entity.serialize()))

    def set_daemon_address(self, address: str | None) -> None:
        pass

    @property
    def ip(self) -> str:
        return "127.0.0.1"

    @property
    def port(self) -> int:
        return 2000


def main(out: Path) -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        from scripts.resources import ensure_table, ensure_user_pool

        ensure_table(boto3.client("dynamodb"), "ai-lifestyle-local")
        pool_id, client_id = ensure_user_pool(boto3.client("cognito-idp"), "pool", "web")
        import os

        os.environ.update({"COGNITO_USER_POOL_ID": pool_id, "COGNITO_CLIENT_ID": client_id})
        from aws_xray_sdk.core import xray_recorder

        from app import app
        from bench.gateway import Gateway, LambdaContext, event
        from chalicelib.core import identity
        from tests.helpers import moto_public_jwks

        identity.jwks_cache = identity.JwksCache(fetch=lambda url: moto_public_jwks())
        emitter = CapturingEmitter()
        xray_recorder.configure(emitter=emitter)
        gateway = Gateway(app)
        answers: dict[str, Any] = {}

        user = {key: PERSONAL[key] for key in ("email", "password", "firstName", "lastName")}
        answers["register"] = gateway.call("POST", "/auth/register", body=user).status
        boto3.client("cognito-idp").admin_confirm_sign_up(
            UserPoolId=pool_id, Username=PERSONAL["email"]
        )
        login = gateway.call(
            "POST",
            "/auth/login",
            body={"email": PERSONAL["email"], "password": PERSONAL["password"]},
        )
        token = login.body["accessToken"]
        goal = gateway.call(
            "POST",
            "/goals",
            token=token,
            body={
                "title": "Drink water",
                "goalPattern": "recurring",
                "category": "health",
                "target": {"metric": "count", "value": 8, "unit": "glasses", "period": "day"},
            },
        )
        answers["goal"] = goal.status
        goal_id = goal.body["goalId"]
        answers["activity"] = gateway.call(
            "POST",
            "/goals/{goalId}/activities",
            {"goalId": goal_id},
            token=token,
            body={"value": 2},
        ).status
        answers["journal"] = gateway.call(
            "POST",
            "/journal",
            token=token,
            body={
                "title": "Today",
                "content": f"<p>{PERSONAL['journal']}</p>",
                "linkedGoalIds": [goal_id],
                "goalProgress": [{"goalId": goal_id, "progressValue": 1}],
            },
        ).status
        answers["read"] = gateway.call(
            "GET", "/goals/{goalId}", {"goalId": goal_id}, token=token
        ).status
        # A 404 with API Gateway's own request id in its proxy event.
        missing = event(
            "GET",
            "/goals/{goalId}",
            {"goalId": "no-such-goal"},
            headers={"Authorization": f"Bearer {token}"},
        )
        missing["requestContext"]["requestId"] = GATEWAY_REQUEST_ID
        del missing["headers"]["X-Request-ID"]
        del missing["multiValueHeaders"]["X-Request-ID"]
        answer = app(missing, LambdaContext())
        answers["missing"] = {
            "status": answer["statusCode"],
            "body": json.loads(answer["body"]),
            "headers": answer["headers"],
        }
        sys.stdout.flush()
        out.write_text(json.dumps({"answers": answers, "segments": emitter.sent, "token": token}))


if __name__ == "__main__":
    main(Path(sys.argv[1]))

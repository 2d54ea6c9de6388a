"""Invoke the Chalice app in-process with API Gateway (REST, v1) proxy events: the same entry
point Lambda calls, with no HTTP server in the way."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any
    seconds: float


@dataclass
class LambdaContext:
    """What Lambda hands a handler as its context (only the commonly read attributes)."""

    function_name: str = "ai-lifestyle-api-bench"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:000000000000:function:ai-lifestyle-api-bench"
    )
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


def event(
    method: str,
    resource: str,
    path_params: dict[str, str] | None = None,
    query: dict[str, str | list[str]] | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API proxy event for `method resource` (resource as declared, e.g.
    `/goals/{goalId}`), with the concrete path filled in from `path_params`."""
    params = path_params or {}
    path = resource
    for name, value in params.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    sent = {
        "Host": "bench.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "bench",
        "X-Request-ID": f"bench-{uuid.uuid4().hex}",
        **(headers or {}),
    }
    raw_body = None
    if body is not None:
        raw_body = json.dumps(body)
        sent.setdefault("Content-Type", "application/json")
    multi = {
        name: value if isinstance(value, list) else [value] for name, value in (query or {}).items()
    }
    now = time.time()
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {name: [value] for name, value in sent.items()},
        "queryStringParameters": {name: values[-1] for name, values in multi.items()} or None,
        "multiValueQueryStringParameters": multi or None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/bench{path}",
            "stage": "bench",
            "accountId": "000000000000",
            "apiId": "bench",
            "domainName": "bench.execute-api.us-east-1.amazonaws.com",
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "bench"},
        },
        "body": raw_body,
        "isBase64Encoded": False,
    }


class Gateway:
    """Calls `handler(event, context)` the way API Gateway and Lambda would, and times it."""

    def __init__(self, handler: Any) -> None:
        self._handler = handler

    def call(
        self,
        method: str,
        resource: str,
        path_params: dict[str, str] | None = None,
        *,
        token: str | None = None,
        query: dict[str, str | list[str]] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        request = event(method, resource, path_params, query, body, sent)
        started = time.perf_counter()
        response = self._handler(request, LambdaContext())
        seconds = time.perf_counter() - started
        text = response.get("body") or ""
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return Answer(
            status=int(response["statusCode"]),
            headers=dict(response["headers"]),
            body=parsed,
            seconds=seconds,
        )

    def expect(
        self,
        status: int,
        method: str,
        resource: str,
        path_params: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Answer:
        """`call`, failing loudly unless the answer has this status (a benchmark of error
        responses would measure the wrong thing)."""
        answer = self.call(method, resource, path_params, **kwargs)
        if answer.status != status:
            raise RuntimeError(
                f"{method} {resource} {path_params or ''} answered "
                f"{answer.status}, expected {status}: {answer.body}"
            )
        return answer

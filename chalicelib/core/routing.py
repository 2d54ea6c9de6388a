"""The Chalice glue: how a route is declared, and what every request and response goes through.

* `Api.route` wraps each view so that any failure becomes our error envelope (Chalice would
  otherwise turn it into its own 500 body before middleware sees it), and so that protected
  views receive a verified caller.
* `Api.finish` declares what Chalice does not: CORS preflights, 405 for a known path with an
  unknown method, and 404 for unknown paths (deployed, API Gateway's responses cover deeper
  unknown paths).
* One HTTP middleware enforces the body limits, rewrites Chalice's own error bodies into the
  envelope, adds CORS, X-Request-ID, nosniff and Cache-Control headers, and writes one access
  log line per request. It also stamps every log line with the request's correlation id, and
  (deployed) traces the request and publishes its metrics (core.tracing, core.metrics).
"""

import contextvars
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chalice.app import Authorizer, Chalice, ChaliceViewError, Request, Response

from chalicelib.core import batch, errors, http, local_stage, metrics, tracing
from chalicelib.core.aws import as_unavailable
from chalicelib.core.config import get_settings
from chalicelib.core.idempotency import IdempotencyKey, key_from
from chalicelib.core.identity import Caller, caller_from
from chalicelib.core.logging import logger

if TYPE_CHECKING:  # pydantic is imported with the first body parsed, not at cold start
    from chalicelib.core.validation import WireModel

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Unknown paths up to this depth answer 404 in the envelope everywhere; deployed, API Gateway's
# own responses (infra/) cover deeper ones.
_CATCH_ALL_DEPTH = 8


@dataclass
class _Scope:
    request_id: str  # the correlation id: in the envelope and on every log line
    user_id: str | None = None
    client_request_id: str | None = None  # the client's X-Request-ID, when it sent one


def _scope_of(event: Request) -> _Scope:
    """Behind API Gateway the correlation id is API Gateway's request id, the one its access
    log and its own error responses carry, so one id finds a request everywhere. Elsewhere
    (chalice local, tests) it is the client's X-Request-ID, or a new one."""
    sent = http.request_id_from(event.headers)
    client_id = sent if event.headers.get("x-request-id") == sent else None
    gateway_id = (event.context or {}).get("requestId")
    if isinstance(gateway_id, str) and gateway_id:
        return _Scope(request_id=gateway_id, client_request_id=client_id)
    return _Scope(request_id=sent, client_request_id=client_id)


_scope: contextvars.ContextVar[_Scope] = contextvars.ContextVar("request_scope")


def _current_scope() -> _Scope:
    try:
        return _scope.get()
    except LookupError:
        # A view called without the middleware (only possible in unit tests of a view).
        scope = _Scope(request_id=http.request_id_from({}))
        _scope.set(scope)
        return scope


@dataclass
class ApiRequest:
    """What a view may read from a request, parsed the same way for every route."""

    raw: Request
    _caller: Caller | None = field(default=None, repr=False)

    @property
    def caller(self) -> Caller:
        if self._caller is None:
            raise errors.Unauthorized()
        return self._caller

    @property
    def user_id(self) -> str:
        return self.caller.user_id

    @property
    def _multi_params(self) -> dict[str, list[str]]:
        params = self.raw.query_params
        return {name: params.getlist(name) for name in params} if params else {}

    def json(self) -> Any:
        return http.parse_json_body(_raw_body(self.raw))

    def body[M: WireModel](self, model: type[M]) -> M:
        """The JSON body as the command `model` (400 with every field error)."""
        from chalicelib.core.validation import parse

        return parse(model, self.json())

    def optional_body[M: WireModel](self, model: type[M]) -> M | None:
        """As `body`, for a route whose body may be left out: None when it is empty."""
        from chalicelib.core.validation import parse

        body = self.json()
        return None if body is None else parse(model, body)

    def creation[M: WireModel](self, model: type[M], route: str) -> tuple[M, IdempotencyKey | None]:
        """A create's command, and its `Idempotency-Key` bound to this caller, route and body
        (the body is checked first, as the key's fingerprint is of the body sent)."""
        from chalicelib.core.validation import parse

        body = self.json()
        command = parse(model, body)
        return command, key_from(self.header("idempotency-key"), self.user_id, route, body)

    def batch_creations[M: WireModel](
        self, model: type[M], route: str, field: str
    ) -> list[batch.BatchItem[M]]:
        """A batch create's items (core/batch.py), each parsed as `route` parses one create,
        its key bound like that route's `Idempotency-Key`. 400 when the body is no batch."""
        return batch.parse_items(self.json(), model, self.user_id, route, field)

    @property
    def timezone(self) -> str | None:
        """The `X-Timezone` override of the caller's zone for this request, as sent."""
        return self.header("x-timezone")

    def header(self, name: str) -> str | None:
        value = self.raw.headers.get(name.lower())
        return str(value) if value is not None else None

    def query(self, name: str) -> str | None:
        return http.query_value(self._multi_params, name)

    def query_list(self, name: str) -> list[str]:
        return http.query_values(self._multi_params, name)

    def page(self) -> http.Page:
        return http.parse_page(self._multi_params)


def _raw_body(request: Request) -> bytes:
    body = request.raw_body
    return body if isinstance(body, bytes) else str(body or "").encode("utf-8")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=body,
        status_code=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def created(body: Any, location: str) -> Response:
    return json_response(body, status=201, headers={"Location": location})


def multi_status(results: list[batch.ItemResult], item_name: str) -> Response:
    """A batch's answer: 207, one result per item in request order (the created item under
    `item_name`, or the error envelope a single create would have answered), and the counts."""
    request_id = _current_scope().request_id
    return json_response(
        {
            "results": [
                {
                    "index": result.index,
                    "idempotencyKey": result.key_sent,
                    "status": result.status,
                    "location": result.location,
                    item_name: result.body,
                    "error": http.error_body(result.error, request_id) if result.error else None,
                }
                for result in results
            ],
            **batch.counts(results),
        },
        status=207,
    )


def no_content() -> Response:
    return Response(body="", status_code=204, headers={})


def error_response(error: errors.AppError) -> Response:
    return json_response(
        http.error_body(error, _current_scope().request_id),
        status=error.status,
        headers=error.headers,
    )


def _failure_response(exc: Exception) -> Response:
    if isinstance(exc, errors.AppError):
        return error_response(exc)
    if isinstance(exc, ChaliceViewError):
        return error_response(_chalice_error(exc.STATUS_CODE, str(exc)))
    mapped = as_unavailable(exc)
    if mapped is not None:
        logger.warning("dependency unavailable", extra={"error_type": type(exc).__name__})
        return error_response(mapped)
    logger.exception("unhandled error")
    return error_response(errors.AppError())


View = Callable[..., Any]


class Api:
    def __init__(self, app: Chalice, authorizer: Authorizer | None) -> None:
        self.app = app
        self._authorizer = authorizer
        # The routes the API offers, as (path, method): what the contract must describe.
        self.declared: list[tuple[str, str]] = []
        # What CORS advertises outside a path's own preflight: the methods any route accepts.
        self._allow_methods: list[str] = ["OPTIONS"]
        app.register_middleware(self._middleware, "http")

    def route(
        self, path: str, methods: tuple[str, ...] = ("GET",), *, public: bool = False
    ) -> Callable[[View], View]:
        def register(view: View) -> View:
            @functools.wraps(view)
            def endpoint(**path_params: str) -> Response:
                try:
                    request = self._request(public)
                    result = view(request, **path_params)
                except Exception as exc:  # every failure leaves as the envelope
                    return _failure_response(exc)
                return result if isinstance(result, Response) else json_response(result)

            options: dict[str, Any] = {"methods": list(methods)}
            if not public and self._authorizer is not None:
                options["authorizer"] = self._authorizer
            self.app.route(path, **options)(endpoint)
            self.declared.extend((path, method) for method in methods)
            return view

        return register

    def _request(self, public: bool) -> ApiRequest:
        raw = self.app.current_request
        if raw is None:
            raise errors.AppError("No current request.")
        request = ApiRequest(raw=raw)
        if not public:
            request._caller = caller_from(
                raw.context, raw.headers.get("authorization"), get_settings()
            )
            _current_scope().user_id = request._caller.user_id
        return request

    def finish(self) -> None:
        """Declare preflights, 405s and the unknown-path catch-all. Call after every route."""
        for path, views in list(self.app.routes.items()):
            # Before the 405 views below join `views`: what the path's own routes accept.
            allowed = [method for method in HTTP_METHODS if method in views]
            missing = [method for method in HTTP_METHODS if method not in views]
            if missing:
                self.app.route(path, methods=missing, name=f"not_allowed{path}")(
                    _method_not_allowed(allowed)
                )
            self.app.route(path, methods=["OPTIONS"], name=f"preflight{path}")(
                _preflight([*allowed, "OPTIONS"])
            )
        used = {method for _, method in self.declared}
        self._allow_methods = [*(method for method in HTTP_METHODS if method in used), "OPTIONS"]
        for depth in range(1, _CATCH_ALL_DEPTH + 1):
            path = "".join(f"/{{unknown{level}}}" for level in range(depth))
            self.app.route(path, methods=[*HTTP_METHODS, "OPTIONS"], name=f"unknown{depth}")(
                _unknown_path
            )

    def _middleware(self, event: Request, get_response: Callable[[Request], Response]) -> Response:
        started = time.perf_counter()
        scope = _scope_of(event)
        token = _scope.set(scope)
        # Per thread (chalice local serves requests on threads), on every line logged below.
        logger.thread_safe_append_keys(correlation_id=scope.request_id)
        try:
            with (
                tracing.request_trace(event.method, event.path) as trace,
                metrics.request_metrics(event.method, event.path) as measured,
            ):
                try:
                    if local_stage.stack_missing():  # before anything could reach AWS
                        raise errors.ServiceUnavailable(local_stage.STACK_NOT_RUNNING)
                    _check_body(event)
                    response = get_response(event)
                except Exception as exc:
                    response = _failure_response(exc)
                response = _as_envelope(response)
                settings = get_settings()
                # What a view set itself wins: a preflight's methods, the docs' Cache-Control.
                response.headers = {
                    **http.safety_headers(),
                    **http.cors_headers(
                        settings.cors_allow_origins,
                        event.headers.get("origin"),
                        self._allow_methods,
                    ),
                    **response.headers,
                    "X-Content-Type-Options": "nosniff",
                    # docs/api.md: echo the client's id when it sent one.
                    "X-Request-ID": scope.client_request_id or scope.request_id,
                }
                trace.finish(response.status_code)
                measured.finish(response.status_code)
                _log_request(event, response, scope, started)
                return response
        finally:
            logger.thread_safe_remove_keys(["correlation_id"])
            _scope.reset(token)


def _check_body(request: Request) -> None:
    body = _raw_body(request)
    if len(body) > http.MAX_BODY_BYTES:
        raise errors.PayloadTooLarge(
            f"The request body is over the limit of {http.MAX_BODY_BYTES // 1024} KB."
        )
    if (
        body.strip()
        and request.method in {"POST", "PUT", "PATCH"}
        and not http.is_json_media_type(request.headers.get("content-type", ""))
    ):
        raise errors.UnsupportedMediaType()


_CHALICE_ERRORS: dict[int, type[errors.AppError]] = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    409: errors.Conflict,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
    429: errors.TooManyRequests,
}


def _chalice_error(status: int, message: str) -> errors.AppError:
    if status == 400 and "JSON" in message:
        return errors.InvalidJson()
    error_type = _CHALICE_ERRORS.get(status)
    return error_type() if error_type else errors.AppError()


def _as_envelope(response: Response) -> Response:
    """Chalice answers some requests itself with `{"Code", "Message"}`; clients need ours."""
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        rewritten = error_response(_chalice_error(response.status_code, str(body.get("Message"))))
        rewritten.headers.update(
            {k: v for k, v in response.headers.items() if k.lower() == "allow"}
        )
        return rewritten
    return response


def _log_request(event: Request, response: Response, scope: _Scope, started: float) -> None:
    logger.info(
        "request",
        extra={
            "request_id": scope.request_id,
            "client_request_id": scope.client_request_id,
            "method": event.method,
            "route": event.path,
            "status": response.status_code,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
            "user_id": scope.user_id,
        },
    )


def _method_not_allowed(allowed: list[str]) -> View:
    def method_not_allowed(**_: str) -> Response:
        return error_response(errors.MethodNotAllowed(headers={"Allow": ", ".join(allowed)}))

    return method_not_allowed


def _preflight(methods: list[str]) -> View:
    def preflight(**_: str) -> Response:
        return Response(
            body="", status_code=204, headers={"Access-Control-Allow-Methods": ",".join(methods)}
        )

    return preflight


def _unknown_path(**_: str) -> Response:
    return error_response(errors.NotFound("No such route.", code="ROUTE_NOT_FOUND"))

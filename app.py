"""Every route of the AI Lifestyle API: parse the request into a command, call one service,
answer. Status codes, headers (ETag, Location) and the Idempotency-Key live here; services
take typed arguments and never see HTTP. A domain's request models are imported by its own
routes, on first use, so a cold start loads only the domain its first request needs."""

import os
from typing import Any

from chalice.app import (
    Chalice,
    CloudWatchEvent,
    CognitoUserPoolAuthorizer,
    Rate,
    Response,
    SQSEvent,
)

from chalicelib import wiring
from chalicelib.core import docs
from chalicelib.core.config import chalice_authorizer_enabled, deletion_queue_name
from chalicelib.core.credentials import refuse_deploy_without_credentials
from chalicelib.core.health import health_report
from chalicelib.core.http import PUBLIC_FOR_A_DAY, PUBLIC_FOR_FIVE_MINUTES, etag
from chalicelib.core.idempotency import Created
from chalicelib.core.identity import ACCESS_TOKEN_SCOPE, bearer_token
from chalicelib.core.routing import (
    Api,
    ApiRequest,
    created,
    json_response,
    multi_status,
    no_content,
)

# `chalice deploy` without credentials: one line, not Chalice's traceback (see credentials).
refuse_deploy_without_credentials()

app = Chalice(app_name="ai-lifestyle-api")

# Deployed, API Gateway checks access tokens (which carry ACCESS_TOKEN_SCOPE, not an audience)
# before Lambda runs. The pool's ARN is set per stage by the deploy template.
_authorizer = CognitoUserPoolAuthorizer(
    "CognitoAuthorizer",
    provider_arns=[
        os.environ.get(
            "COGNITO_USER_POOL_ARN",
            "arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_placeholder",
        )
    ],
).with_scopes([ACCESS_TOKEN_SCOPE])
api = Api(app, authorizer=_authorizer if chalice_authorizer_enabled() else None)


def _access_token(request: ApiRequest) -> str:
    return bearer_token(request.header("authorization"))


@api.route("/health", public=True)
def health(request: ApiRequest) -> dict[str, Any]:
    return health_report()


@api.route("/docs", public=True)
def docs_page(request: ApiRequest) -> Response:
    return Response(
        body=docs.PAGE,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Cache-Control": PUBLIC_FOR_FIVE_MINUTES,
            "Content-Security-Policy": docs.CONTENT_SECURITY_POLICY,
        },
    )


JAVASCRIPT = "application/javascript; charset=utf-8"


def _asset(body: str, content_type: str, cache_control: str) -> Response:
    return Response(
        body=body, headers={"Content-Type": content_type, "Cache-Control": cache_control}
    )


@api.route(f"/docs/{docs.SWAGGER_SCRIPT}", public=True)
def docs_script(request: ApiRequest) -> Response:
    return _asset(docs.swagger_script(), JAVASCRIPT, PUBLIC_FOR_A_DAY)


@api.route(f"/docs/{docs.SWAGGER_STYLES}", public=True)
def docs_styles(request: ApiRequest) -> Response:
    return _asset(docs.swagger_styles(), "text/css; charset=utf-8", PUBLIC_FOR_A_DAY)


@api.route(f"/docs/{docs.STARTER_SCRIPT}", public=True)
def docs_starter(request: ApiRequest) -> Response:
    return _asset(docs.STARTER, JAVASCRIPT, PUBLIC_FOR_FIVE_MINUTES)


@api.route("/openapi.yaml", public=True)
def contract(request: ApiRequest) -> Response:
    return Response(
        body=docs.contract_text(),
        headers={
            "Content-Type": "application/yaml; charset=utf-8",
            "Cache-Control": PUBLIC_FOR_FIVE_MINUTES,
        },
    )


@api.route("/config/features", public=True)
def features(request: ApiRequest) -> dict[str, Any]:
    return {"debugPanels": False}


@api.route("/auth/register", methods=("POST",), public=True)
def register(request: ApiRequest) -> Response:
    from chalicelib.users.models import RegisterRequest

    return created(wiring.auth().register(request.body(RegisterRequest)), "/users/profile")


@api.route("/auth/login", methods=("POST",), public=True)
def login(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import LoginRequest

    return wiring.auth().login(request.body(LoginRequest))


@api.route("/auth/refresh", methods=("POST",), public=True)
def refresh(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import RefreshRequest

    return wiring.auth().refresh(request.body(RefreshRequest))


@api.route("/auth/email/verify", methods=("POST",), public=True)
def verify_email(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import VerifyEmailRequest

    return wiring.auth().verify_email(request.body(VerifyEmailRequest))


@api.route("/auth/email/resend", methods=("POST",), public=True)
def resend_verification(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import EmailRequest

    return wiring.auth().resend_verification(request.body(EmailRequest))


@api.route("/auth/password/reset-request", methods=("POST",), public=True)
def request_password_reset(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import EmailRequest

    return wiring.auth().request_password_reset(request.body(EmailRequest))


@api.route("/auth/password/reset-confirm", methods=("POST",), public=True)
def confirm_password_reset(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import ResetConfirmRequest

    return wiring.auth().confirm_password_reset(request.body(ResetConfirmRequest))


@api.route("/auth/mfa/verify", methods=("POST",), public=True)
def complete_mfa_login(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import MfaLoginRequest

    return wiring.auth().complete_mfa_login(request.body(MfaLoginRequest))


# Sessions (README, "Sessions"): both act on the caller alone, named by the access token.


@api.route("/auth/signout-everywhere", methods=("POST",))
def sign_out_everywhere(request: ApiRequest) -> dict[str, Any]:
    return wiring.auth().sign_out_everywhere(request.user_id, _access_token(request))


@api.route("/auth/password/change", methods=("POST",))
def change_password(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import PasswordChangeRequest

    return wiring.auth().change_password(
        request.user_id, _access_token(request), request.body(PasswordChangeRequest)
    )


@api.route("/auth/mfa/setup", methods=("POST",))
def start_mfa_setup(request: ApiRequest) -> dict[str, Any]:
    return wiring.auth().start_mfa_setup(request.user_id, _access_token(request))


@api.route("/auth/mfa/verify-setup", methods=("POST",))
def finish_mfa_setup(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import MfaCodeRequest

    return wiring.auth().finish_mfa_setup(
        request.user_id, _access_token(request), request.body(MfaCodeRequest)
    )


@api.route("/auth/mfa/disable", methods=("POST",))
def disable_mfa(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import MfaCodeRequest

    return wiring.auth().disable_mfa(
        request.user_id, _access_token(request), request.body(MfaCodeRequest)
    )


@api.route("/users/profile")
def get_profile(request: ApiRequest) -> dict[str, Any]:
    return wiring.profiles().get(request.user_id)


@api.route("/users/profile", methods=("PUT",))
def update_profile(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.users.models import ProfileUpdate

    return wiring.profiles().update(request.user_id, request.body(ProfileUpdate))


# Deleting the account (account/deletion_service.py): the request, its status, and the job.


@api.route("/users/me", methods=("DELETE",))
def delete_account(request: ApiRequest) -> Response:
    from chalicelib.account.models import AccountDeletionRequest

    job = wiring.account_deletion().request(request.user_id, request.body(AccountDeletionRequest))
    return json_response(job, 202, headers={"Location": job["statusUrl"]})


@api.route("/users/me/deletion")
def account_deletion_status(request: ApiRequest) -> dict[str, Any]:
    return wiring.account_deletion().status(request.user_id)


# Exporting the account's data (account/exports/service.py): start one, its status, the list.


@api.route("/users/me/exports", methods=("POST",))
def request_export(request: ApiRequest) -> Response:
    from chalicelib.account.models import ExportRequest

    request.optional_body(ExportRequest)  # nothing to choose yet; malformed JSON is still 400
    export = wiring.account_exports().request(request.user_id)
    return json_response(export, 202, headers={"Location": export["statusUrl"]})


@api.route("/users/me/exports")
def list_exports(request: ApiRequest) -> dict[str, Any]:
    return wiring.account_exports().list_exports(request.user_id)


@api.route("/users/me/exports/{exportId}")
def export_status(request: ApiRequest, exportId: str) -> dict[str, Any]:
    return wiring.account_exports().status(request.user_id, exportId)


# Importing data (account/imports/service.py): create (with the upload form), start, status.


@api.route("/users/me/imports", methods=("POST",))
def create_import(request: ApiRequest) -> Response:
    from chalicelib.account.models import ImportCreateRequest

    command = request.body(ImportCreateRequest)
    made = wiring.imports().create(request.user_id, command.format, command.file_name)
    if isinstance(made, Created):
        return _created(made)
    return json_response(made, headers={"Location": made["statusUrl"]})  # the one under way


@api.route("/users/me/imports/{importId}/start", methods=("POST",))
def start_import(request: ApiRequest, importId: str) -> Response:
    answer = wiring.imports().start(request.user_id, importId)
    return json_response(answer, 202, headers={"Location": answer["statusUrl"]})


@api.route("/users/me/imports/{importId}")
def import_status(request: ApiRequest, importId: str) -> dict[str, Any]:
    return wiring.imports().status(request.user_id, importId)


# Offline devices catching up (sync/service.py): the caller's changes since a cursor.


@api.route("/sync")
def sync_changes(request: ApiRequest) -> dict[str, Any]:
    return wiring.sync().changes_since(
        request.user_id, request.query("since"), request.page().limit, timezone=request.timezone
    )


# The account jobs: one queue, one handler (named before exports and imports joined deletion:
# renaming it would rename the deployed function, its log group and its role's grants).
@app.on_sqs_message(queue=deletion_queue_name(), batch_size=1)
def erase_accounts(event: SQSEvent) -> None:
    """One message, one run of the job it names (a deletion or an import queues its own
    continuation)."""
    from chalicelib.account.messages import (
        DeletionMessage,
        ExportMessage,
        ImportMessage,
        parse,
    )
    from chalicelib.core.logging import logger

    context: Any = event.context  # Lambda's context object (a stand-in in the local worker)
    for record in event:
        match parse(record.body):
            case DeletionMessage(subject=subject):
                wiring.account_deletion().resume(subject, context.get_remaining_time_in_millis)
            case ExportMessage(job_key=job_key):
                wiring.account_exports().run(job_key)
            case ImportMessage(job_key=job_key):
                wiring.imports().resume(job_key, context.get_remaining_time_in_millis)
            case _:
                logger.warning("account job message dropped: it names no job")


# Goal reminders (goals/reminder_job.py): every minute, the reminders armed for the minutes
# just passed are sent. Locally scripts/reminder_worker.py calls this same function.
@app.schedule(Rate(1, unit=Rate.MINUTES))
def send_reminders(event: CloudWatchEvent) -> None:
    wiring.reminder_job().run()


# Finding a person to share with (users/directory.py). `/users/profile` is a literal path, so
# it wins over `/users/{userId}` (Chalice and API Gateway match literal segments first).


@api.route("/users/me/vacations")
def list_vacations(request: ApiRequest) -> dict[str, Any]:
    return wiring.vacations().list_vacations(request.user_id)


@api.route("/users/me/vacations", methods=("POST",))
def add_vacation(request: ApiRequest) -> dict[str, Any]:
    from chalicelib.goals.models import PauseFields

    fields = request.body(PauseFields)
    return wiring.vacations().add(request.user_id, fields, timezone=request.timezone)


@api.route("/users/me/vacations/{vacationFrom}", methods=("DELETE",))
def cancel_vacation(request: ApiRequest, vacationFrom: str) -> dict[str, Any]:
    return wiring.vacations().cancel(request.user_id, vacationFrom, timezone=request.timezone)


@api.route("/users/by-email/{email}")
def find_user_by_email(request: ApiRequest, email: str) -> dict[str, Any]:
    return wiring.directory().by_email(request.user_id, email)


@api.route("/users/{userId}")
def find_user_by_id(request: ApiRequest, userId: str) -> dict[str, Any]:
    return wiring.directory().by_id(request.user_id, userId)


# End-to-end encryption keys (users/key_service.py).


@api.route("/encryption/setup", methods=("POST",))
def set_up_encryption(request: ApiRequest) -> Response:
    from chalicelib.users.models import KeySetup

    answer = wiring.keys().set_up(request.user_id, request.body(KeySetup))
    return created(answer, f"/encryption/user/{request.user_id}")


@api.route("/encryption/check/{userId}")
def check_encryption(request: ApiRequest, userId: str) -> dict[str, Any]:
    return wiring.keys().status(request.user_id, userId)


@api.route("/encryption/user/{userId}")
def get_encryption_keys(request: ApiRequest, userId: str) -> dict[str, Any]:
    return wiring.keys().keys_of(request.user_id, userId)


@api.route("/encryption/keys", methods=("DELETE",))
def delete_encryption_keys(request: ApiRequest) -> dict[str, Any]:
    return wiring.keys().delete(request.user_id)


@api.route("/encryption/recovery", methods=("POST",))
def set_up_recovery(request: ApiRequest) -> Response:
    from chalicelib.users.models import RecoverySetup

    answer = wiring.keys().set_up_recovery(request.user_id, request.body(RecoverySetup))
    return created(answer, f"/encryption/check/{request.user_id}")


def _created(made: Created) -> Response:
    """A create's 201, the same whether it was made now or replayed (core/idempotency.py)."""
    return created(made.body, made.location)


def _versioned(item: dict[str, Any]) -> Response:
    return json_response(item, headers={"ETag": etag(item["version"])})


@api.route("/goals")
def list_goals(request: ApiRequest) -> dict[str, Any]:
    return wiring.goals().list_goals(
        request.user_id,
        page=request.page(),
        statuses=request.query_list("status"),
        patterns=request.query_list("goalPattern"),
        categories=request.query_list("category"),
        sort=request.query("sort"),
        timezone=request.timezone,
        due=request.query("due"),
    )


@api.route("/goals", methods=("POST",))
def create_goal(request: ApiRequest) -> Response:
    from chalicelib.goals.models import GoalCreate

    goal, key = request.creation(GoalCreate, "POST /goals")
    return _created(
        wiring.goals().create(request.user_id, goal, idempotency=key, timezone=request.timezone)
    )


@api.route("/goals/{goalId}")
def get_goal(request: ApiRequest, goalId: str) -> Response:
    return _versioned(wiring.goals().get(request.user_id, goalId, timezone=request.timezone))


@api.route("/goals/{goalId}", methods=("PUT",))
def update_goal(request: ApiRequest, goalId: str) -> Response:
    from chalicelib.goals.models import GoalUpdate

    return _versioned(
        wiring.goals().update(
            request.user_id,
            goalId,
            request.body(GoalUpdate),
            if_match=request.header("if-match"),
            timezone=request.timezone,
        )
    )


@api.route("/goals/{goalId}", methods=("DELETE",))
def archive_goal(request: ApiRequest, goalId: str) -> dict[str, Any]:
    return wiring.goals().archive(request.user_id, goalId)


@api.route("/goals/{goalId}/pause", methods=("POST",))
def pause_goal(request: ApiRequest, goalId: str) -> Response:
    from chalicelib.goals import pausing
    from chalicelib.goals.models import PauseFields

    fields = request.optional_body(PauseFields) or PauseFields()
    change = pausing.pause(fields)
    return _versioned(
        wiring.goals().change_pauses(request.user_id, goalId, change, timezone=request.timezone)
    )


@api.route("/goals/{goalId}/resume", methods=("POST",))
def resume_goal(request: ApiRequest, goalId: str) -> Response:
    from chalicelib.goals import pausing

    return _versioned(
        wiring.goals().change_pauses(
            request.user_id, goalId, pausing.resume, timezone=request.timezone
        )
    )


@api.route("/goals/{goalId}/pauses/{pauseFrom}", methods=("DELETE",))
def cancel_pause(request: ApiRequest, goalId: str, pauseFrom: str) -> Response:
    from chalicelib.goals import pausing

    change = pausing.cancel(pauseFrom)
    return _versioned(
        wiring.goals().change_pauses(request.user_id, goalId, change, timezone=request.timezone)
    )


@api.route("/goals/{goalId}/activities")
def list_activities(request: ApiRequest, goalId: str) -> dict[str, Any]:
    return wiring.activities().list_activities(
        request.user_id,
        goalId,
        page=request.page(),
        start=request.query("startDate"),
        end=request.query("endDate"),
        types=request.query_list("activityType"),
        timezone=request.timezone,
    )


@api.route("/goals/{goalId}/activities", methods=("POST",))
def log_activity(request: ApiRequest, goalId: str) -> Response:
    from chalicelib.goals.models import ActivityFields

    activity, key = request.creation(ActivityFields, f"POST /goals/{goalId}/activities")
    return _created(
        wiring.activities().log_activity(
            request.user_id, goalId, activity, idempotency=key, timezone=request.timezone
        )
    )


@api.route("/goals/{goalId}/activities/batch", methods=("POST",))
def log_activities(request: ApiRequest, goalId: str) -> Response:
    from chalicelib.goals.models import ActivityFields

    items = request.batch_creations(
        ActivityFields, f"POST /goals/{goalId}/activities", field="activities"
    )
    results = wiring.activity_batches().log_batch(
        request.user_id, goalId, items, timezone=request.timezone
    )
    return multi_status(results, item_name="activity")


@api.route("/goals/{goalId}/activities/{activityId}", methods=("PUT",))
def update_activity(request: ApiRequest, goalId: str, activityId: str) -> dict[str, Any]:
    from chalicelib.goals.models import ActivityFields

    return wiring.activities().update_activity(
        request.user_id, goalId, activityId, request.body(ActivityFields), timezone=request.timezone
    )


@api.route("/goals/{goalId}/activities/{activityId}", methods=("DELETE",))
def delete_activity(request: ApiRequest, goalId: str, activityId: str) -> dict[str, Any]:
    return wiring.activities().delete_activity(
        request.user_id, goalId, activityId, timezone=request.timezone
    )


@api.route("/goals/{goalId}/progress")
def goal_progress(request: ApiRequest, goalId: str) -> dict[str, Any]:
    return wiring.goals().progress_report(
        request.user_id, goalId, period=request.query("period"), timezone=request.timezone
    )


@api.route("/journal")
def list_journal(request: ApiRequest) -> dict[str, Any]:
    filters = {
        name: request.query(name)
        for name in ("filter", "goalId", "tag", "mood", "template", "from", "to", "q")
    }
    return wiring.journal_reads().list_entries(
        request.user_id, page=request.page(), filters=filters, timezone=request.timezone
    )


@api.route("/journal", methods=("POST",))
def create_journal_entry(request: ApiRequest) -> Response:
    from chalicelib.journal.models import EntryCreate

    entry, key = request.creation(EntryCreate, "POST /journal")
    return _created(
        wiring.journal().create(request.user_id, entry, idempotency=key, timezone=request.timezone)
    )


@api.route("/journal/stats")
def journal_stats(request: ApiRequest) -> dict[str, Any]:
    return wiring.journal_reads().stats(request.user_id, timezone=request.timezone)


@api.route("/journal/{entryId}")
def get_journal_entry(request: ApiRequest, entryId: str) -> Response:
    return _versioned(wiring.journal_reads().get(request.user_id, entryId))


@api.route("/journal/{entryId}", methods=("PUT",))
def update_journal_entry(request: ApiRequest, entryId: str) -> Response:
    from chalicelib.journal.models import EntryFields

    return _versioned(
        wiring.journal().update(
            request.user_id,
            entryId,
            request.body(EntryFields),
            if_match=request.header("if-match"),
            timezone=request.timezone,
        )
    )


@api.route("/journal/{entryId}", methods=("DELETE",))
def delete_journal_entry(request: ApiRequest, entryId: str) -> Response:
    wiring.journal().delete(request.user_id, entryId)
    return no_content()


# Shares (docs/api.md, "Sharing"): the /encryption/shares paths are the web client's older names.


def _create_share(request: ApiRequest) -> Response:
    from chalicelib.journal.models import ShareCreate

    return json_response(wiring.shares().create(request.user_id, request.body(ShareCreate)), 201)


def _list_shares(request: ApiRequest) -> dict[str, Any]:
    return wiring.shares().list_shares(
        request.user_id,
        item_type=request.query("itemType"),
        direction=request.query("direction"),
        include_expired=request.query("includeExpired"),
        item_id=request.query("itemId"),
    )


def _revoke_share(request: ApiRequest, shareId: str) -> Response:
    wiring.shares().revoke(request.user_id, shareId)
    return no_content()


for _prefix in ("", "/encryption"):
    api.route(f"{_prefix}/shares", methods=("POST",))(_create_share)
    api.route(f"{_prefix}/shares")(_list_shares)
    api.route(f"{_prefix}/shares/{{shareId}}", methods=("DELETE",))(_revoke_share)
api.route("/journal/shares/{shareId}", methods=("DELETE",))(_revoke_share)


@api.route("/journal/{entryId}/share", methods=("POST",))
def share_journal_entry_by_email(request: ApiRequest, entryId: str) -> Response:
    from chalicelib.journal.models import EmailShareCreate

    shares = wiring.shares()
    shares.check_entry_id(entryId)  # an id the API never made is 404 whatever the body
    shared = shares.share_by_email(request.user_id, entryId, request.body(EmailShareCreate))
    return json_response(shared, 201)


api.finish()

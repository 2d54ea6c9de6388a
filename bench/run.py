"""`make bench`: the cost of every request, and whether it stays flat as data grows.

    python bench/run.py            # the full suite (what `make bench` runs)
    python bench/run.py --quick    # fewer samples and levels up to 1,000: a smoke run
    python bench/run.py --only exports   # one phase alone, printed (no results written)

Starts its own in-memory DynamoDB Local and moto Cognito on free ports, imports the app with
the local stage's settings, and invokes it in-process with API Gateway proxy events. Writes
bench/results/latest.json, bench/results/README.md and PNG plots, then exits 1 if a budget in
bench/budgets.py is broken (known exceptions aside, see there).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench import budgets, cold_start, cost, package_size, report  # noqa: E402
from bench.gateway import Answer, Gateway  # noqa: E402
from bench.meter import Meter  # noqa: E402
from bench.stats import Sample, summarize  # noqa: E402
from scripts.local_stack import LocalStack  # noqa: E402

RESULTS = REPO / "bench" / "results"
PASSWORD = "Str0ng!Passw0rd"  # noqa: S105 - a throwaway local account
LEVELS = (10, 100, 1_000, 10_000)
# The local stage's switches (the app verifies tokens itself); INFO logging like staging, so
# each request pays for its log line (written to /dev/null).
APP_ENV = {
    "ENVIRONMENT": "local",
    "API_GATEWAY_AUTHORIZER": "none",
    "DEV_TOOLS_ENABLED": "true",
    "LOG_LEVEL": "INFO",
    "CORS_ALLOW_ORIGIN": "*",
}


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Settings:
    samples: int = 40  # measured calls per operation
    rounds: int = 60  # interleaved rounds over the scaling levels
    cold_runs: int = 7
    levels: tuple[int, ...] = LEVELS
    seed: int = 7
    # Exporting, then deleting, the largest account the quotas allow: 50 active goals (the
    # quota) and archived ones, thousands of activities on each, 10,000 journal entries (the
    # journal's limit).
    large_active_goals: int = 50
    large_archived_goals: int = 10
    large_activities: int = 2_000
    large_entries: int = 10_000
    # Importing one large file (Bench.import_large_file): goals, activities on each, entries.
    import_goals: int = 10
    import_activities: int = 1_000
    import_entries: int = 1_000

    # One reminder run: this many reminders armed for the same minute, all sent.
    reminders: int = 40

    @property
    def large_shape(self) -> dict[str, int]:
        """The large account's shape, as the export and deletion summaries report it."""
        return {
            "goals": self.large_active_goals + self.large_archived_goals,
            "archivedGoals": self.large_archived_goals,
            "activitiesPerGoal": self.large_activities,
            "journalEntries": self.large_entries,
        }


@dataclass
class User:
    email: str
    token: str
    user_id: str = ""
    goal_ids: list[str] = field(default_factory=list)
    entry_ids: list[str] = field(default_factory=list)
    activity_ids: list[str] = field(default_factory=list)  # logged by a `prepare` step

    @property
    def goal_id(self) -> str:
        return self.goal_ids[0]

    @property
    def entry_id(self) -> str:
        return self.entry_ids[0]


@dataclass(frozen=True)
class Operation:
    name: str
    label: str
    method: str
    resource: str
    path_params: Callable[[User], dict[str, str]] = lambda user: {}
    query: dict[str, str | list[str]] | None = None
    body: Callable[[int], Any] | None = None
    status: int = 200
    # Run (not measured) before each call: makes what the call changes or removes.
    prepare: Callable[[Bench, User, int], None] | None = None


def _goal_body(index: int) -> dict[str, Any]:
    return {
        "title": f"Drink water {index} {uuid.uuid4().hex[:6]}",
        "goalPattern": "recurring",
        "category": "health",
        "target": {"value": 8, "unit": "glasses", "period": "day"},
        "schedule": {"frequency": "daily"},
    }


def _key_material() -> dict[str, str]:
    """What the web client sends to POST /encryption/setup, at its real sizes (RSA-4096 SPKI,
    a PKCS#8 key wrapped with AES-GCM): random base64 of those lengths is the same to the
    server, which never decodes it."""
    import base64

    def text(size: int) -> str:
        return base64.b64encode(os.urandom(size)).decode()

    return {
        "salt": text(32),
        "encryptedPrivateKey": text(2404),
        "publicKey": text(550),
        "publicKeyId": os.urandom(16).hex(),
    }


# The journal's filtered reads look for what only the first entry has (a tag and a word), and
# for what every third or every entry has (a mood, a word).
RARE_TAG = "rare"
RARE_WORD = "zephyr"


def _entry_body(index: int) -> dict[str, Any]:
    words = " ".join(
        random.Random(index).choices(
            ("calm", "walked", "water", "slept", "well", "focus", "friends", "tired", "grateful"),
            k=60,
        )
    )
    rare = index == 0
    return {
        "title": f"Evening notes {index}",
        "content": f"<p>{words}{' ' + RARE_WORD if rare else ''}</p>",
        "template": "daily_reflection",
        "tags": ["bench", f"tag{index % 7}", *([RARE_TAG] if rare else [])],
        "mood": ("good", "calm", "tired")[index % 3],
    }


BATCHED_GOAL = 1  # the user's second goal takes the batches: the first keeps 100 activities
BATCH_SAMPLES = 10  # each adds 100 activities


def _batch_body(index: int) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    return {
        "activities": [
            {
                "value": 1 + item % 3,
                "activityDate": date.fromordinal(today.toordinal() - item).isoformat(),
                "idempotencyKey": f"bench-{index}-{item}-{uuid.uuid4().hex[:8]}",
            }
            for item in range(100)
        ]
    }


def _yesterday() -> str:
    return (datetime.now(UTC).date() - timedelta(days=1)).isoformat()


def _pause_day() -> str:
    """A pause 40 days ahead, which DELETE /goals/{goalId}/pauses/{from} cancels: apart from
    the vacation a month ahead, so neither overlaps the other."""
    return (datetime.now(UTC).date() + timedelta(days=40)).isoformat()


def _log_yesterday(bench: Bench, user: User, index: int) -> None:
    answer = bench.invoke(OPERATIONS["log_yesterday"], user, index)
    user.activity_ids.append(str(answer.body["activityId"]))


def _schedule_pause(bench: Bench, user: User, index: int) -> None:
    bench.gateway.expect(
        200,
        "POST",
        "/goals/{goalId}/pause",
        {"goalId": user.goal_id},
        token=user.token,
        body={"from": _pause_day(), "until": _pause_day()},
    )


def _new_goal(bench: Bench, user: User, index: int) -> None:
    bench.create_goal(user, index)


def _new_entry(bench: Bench, user: User, index: int) -> None:
    bench.create_entry(user, index)


def _vacation_day() -> str:
    """A vacation a month ahead: copied onto every active goal, recomputing none."""
    return (datetime.now(UTC).date() + timedelta(days=30)).isoformat()


OPERATIONS = {
    op.name: op
    for op in (
        Operation("create_goal", "create goal", "POST", "/goals", body=_goal_body, status=201),
        Operation(
            "log_activity",
            "log activity",
            "POST",
            "/goals/{goalId}/activities",
            path_params=lambda user: {"goalId": user.goal_id},
            body=lambda index: {"value": 1 + index % 3},
            status=201,
        ),
        # A phone's 100 logs on 100 different days at once: the most a batch can cost (each
        # day new to its transaction). Measured on a goal of its own (BATCHED_GOAL).
        Operation(
            "log_activities",
            "log 100 activities at once (100 days)",
            "POST",
            "/goals/{goalId}/activities/batch",
            path_params=lambda user: {"goalId": user.goal_ids[BATCHED_GOAL]},
            body=_batch_body,
            status=207,
        ),
        # Pause and resume alternate on the goal with 100 days of activities: an open pause from
        # today, which the resume removes. Each recomputes the goal from its day aggregates.
        Operation(
            "pause_goal",
            "pause a goal (recomputes it)",
            "POST",
            "/goals/{goalId}/pause",
            path_params=lambda user: {"goalId": user.goal_id},
            body=lambda index: {"reason": "bench"},
        ),
        Operation(
            "resume_goal",
            "resume a goal (recomputes it)",
            "POST",
            "/goals/{goalId}/resume",
            path_params=lambda user: {"goalId": user.goal_id},
        ),
        # A vacation ahead and its cancelling alternate: each copies onto all 50 active goals.
        Operation(
            "add_vacation",
            "add a vacation (50 active goals)",
            "POST",
            "/users/me/vacations",
            body=lambda index: {"from": _vacation_day(), "until": _vacation_day()},
        ),
        Operation(
            "cancel_vacation",
            "cancel a vacation (50 active goals)",
            "DELETE",
            "/users/me/vacations/{vacationFrom}",
            path_params=lambda user: {"vacationFrom": _vacation_day()},
        ),
        Operation(
            "get_goal",
            "get goal",
            "GET",
            "/goals/{goalId}",
            path_params=lambda user: {"goalId": user.goal_id},
        ),
        Operation("list_goals", "list goals", "GET", "/goals", query={"limit": "50"}),
        Operation(
            "list_due_goals",
            "list goals still due today",
            "GET",
            "/goals",
            query={"due": "today", "limit": "50"},
        ),
        Operation(
            "progress",
            "get progress",
            "GET",
            "/goals/{goalId}/progress",
            path_params=lambda user: {"goalId": user.goal_id},
        ),
        Operation(
            "progress_all",
            "get progress (period=all)",
            "GET",
            "/goals/{goalId}/progress",
            path_params=lambda user: {"goalId": user.goal_id},
            query={"period": "all"},
        ),
        Operation(
            "progress_year",
            "get progress (period=year)",
            "GET",
            "/goals/{goalId}/progress",
            path_params=lambda user: {"goalId": user.goal_id},
            query={"period": "year"},
        ),
        Operation(
            "create_journal_entry",
            "create journal entry",
            "POST",
            "/journal",
            body=_entry_body,
            status=201,
        ),
        Operation(
            "get_journal_entry",
            "get journal entry",
            "GET",
            "/journal/{entryId}",
            path_params=lambda user: {"entryId": user.entry_id},
        ),
        Operation("list_journal", "list journal", "GET", "/journal"),
        # As the web client lists (frontend useJournalSearch/useJournalSync): every entry, whole
        # (the API serves at most 100 a page).
        Operation(
            "list_journal_web",
            "list journal as the web client asks",
            "GET",
            "/journal",
            query={"page": "1", "limit": "1000"},
        ),
        # Backdated writes: a log dated yesterday, then an edit and a delete of one (each
        # edits or deletes an activity dated yesterday, logged just before and not measured).
        Operation(
            "log_yesterday",
            "log activity dated yesterday",
            "POST",
            "/goals/{goalId}/activities",
            path_params=lambda user: {"goalId": user.goal_id},
            body=lambda index: {"value": 1 + index % 3, "activityDate": _yesterday()},
            status=201,
        ),
        Operation(
            "edit_activity",
            "edit an activity dated yesterday",
            "PUT",
            "/goals/{goalId}/activities/{activityId}",
            path_params=lambda user: {"goalId": user.goal_id, "activityId": user.activity_ids[-1]},
            body=lambda index: {"value": 2 + index % 3, "activityDate": _yesterday()},
            prepare=_log_yesterday,
        ),
        Operation(
            "delete_activity",
            "delete an activity dated yesterday",
            "DELETE",
            "/goals/{goalId}/activities/{activityId}",
            path_params=lambda user: {"goalId": user.goal_id, "activityId": user.activity_ids[-1]},
            prepare=_log_yesterday,
        ),
        Operation(
            "list_activities",
            "list activities (a page)",
            "GET",
            "/goals/{goalId}/activities",
            path_params=lambda user: {"goalId": user.goal_id},
        ),
        Operation(
            "update_goal",
            "update a goal (its title)",
            "PUT",
            "/goals/{goalId}",
            path_params=lambda user: {"goalId": user.goal_id},
            body=lambda index: {"title": f"Drink water, renamed {index}"},
        ),
        # Archiving: a goal made just before (measured by a user of its own: the quota).
        Operation(
            "archive_goal",
            "archive a goal",
            "DELETE",
            "/goals/{goalId}",
            path_params=lambda user: {"goalId": user.goal_ids[-1]},
            prepare=_new_goal,
        ),
        Operation(
            "cancel_pause",
            "cancel a pause ahead",
            "DELETE",
            "/goals/{goalId}/pauses/{pauseFrom}",
            path_params=lambda user: {"goalId": user.goal_id, "pauseFrom": _pause_day()},
            prepare=_schedule_pause,
        ),
        Operation("list_vacations", "list vacations", "GET", "/users/me/vacations"),
        Operation(
            "update_journal_entry",
            "update a journal entry (its title)",
            "PUT",
            "/journal/{entryId}",
            path_params=lambda user: {"entryId": user.entry_id},
            body=lambda index: {"title": f"Evening notes, edited {index}"},
        ),
        Operation(
            "delete_journal_entry",
            "delete a journal entry",
            "DELETE",
            "/journal/{entryId}",
            path_params=lambda user: {"entryId": user.entry_ids.pop()},
            prepare=_new_entry,
            status=204,
        ),
        Operation(
            "journal_tag_rare",
            "journal filtered by a tag one entry has",
            "GET",
            "/journal",
            query={"tag": RARE_TAG, "limit": "1"},
        ),
        Operation(
            "journal_mood",
            "journal filtered by a mood (a page every level fills)",
            "GET",
            "/journal",
            query={"mood": "calm", "limit": "3"},
        ),
        Operation(
            "journal_search_rare",
            "journal search for a word one entry has",
            "GET",
            "/journal",
            query={"q": RARE_WORD},
        ),
        Operation(
            "journal_search_common",
            "journal search for a word every entry has",
            "GET",
            "/journal",
            query={"q": "water", "limit": "20"},
        ),
        Operation("journal_stats", "journal stats", "GET", "/journal/stats"),
        Operation("get_profile", "get profile", "GET", "/users/profile"),
        Operation(
            "update_profile",
            "update profile",
            "PUT",
            "/users/profile",
            body=lambda index: {"firstName": ("Bench", "Runner")[index % 2]},
        ),
        # A device's first sync of a seeded account: a full page (more follow), one Query.
        Operation("sync", "sync (a page of 100 changes)", "GET", "/sync", query={"limit": "100"}),
        # Keys: set up and delete alternate (a second setup is 409); the body is made once.
        Operation(
            "set_up_keys",
            "set up encryption keys",
            "POST",
            "/encryption/setup",
            body=lambda index: _key_material(),
            status=201,
        ),
        Operation("delete_keys", "delete encryption keys", "DELETE", "/encryption/keys"),
        Operation(
            "get_own_keys",
            "get own keys",
            "GET",
            "/encryption/user/{userId}",
            path_params=lambda user: {"userId": user.user_id},
        ),
        Operation(
            "check_encryption",
            "check own encryption",
            "GET",
            "/encryption/check/{userId}",
            path_params=lambda user: {"userId": user.user_id},
        ),
        # Lookups spend an hourly budget (60 per caller): each is measured by a user of its own.
        Operation(
            "look_up_by_id",
            "look up a user by id",
            "GET",
            "/users/{userId}",
            path_params=lambda user: {"userId": user.user_id},
        ),
        Operation(
            "look_up_by_email",
            "look up a user by email",
            "GET",
            "/users/by-email/{email}",
            path_params=lambda user: {"email": user.email},
        ),
    )
}
# The share routes, measured between an owner and a recipient who both have keys
# (Bench.sharing): (label, method, resource) by name.
SHARE_ROUTES = {
    "create_share": ("share an entry", "POST", "/shares"),
    "open_shared_entry": ("open a shared entry (recipient)", "GET", "/journal/{entryId}"),
    "list_shares": ("list shares (both directions)", "GET", "/shares"),
    "list_shared_with_me": ("list shared with me", "GET", "/journal?filter=shared-with-me"),
    "revoke_share": ("revoke a share (owner)", "DELETE", "/shares/{shareId}"),
}
# The session routes, measured on a user who signs in again before each (Bench.sessions):
# both sign every session out. (label, method, resource) by name.
SESSION_ROUTES = {
    "sign_out_everywhere": ("sign out everywhere", "POST", "/auth/signout-everywhere"),
    "change_password": ("change password", "POST", "/auth/password/change"),
}
# Registering and signing in: measured whenever the run makes a user (Bench.new_user).
AUTH_ROUTES = {
    "register": ("register", "POST", "/auth/register"),
    "login": ("sign in", "POST", "/auth/login"),
}
SECOND_PASSWORD = "An0ther!Passw0rd"  # noqa: S105 - the bench user's passwords alternate
# Account deletion (Bench.deletion): each request disables its account, so one account per
# sample; the status is read with that account's still-valid token.
DELETION_ROUTES = {
    "request_deletion": ("delete the account (request)", "DELETE", "/users/me"),
    "deletion_status": ("the deletion's status", "GET", "/users/me/deletion"),
}
# Account export (Bench.exports): a new account per sample (one export runs at a time, five a
# day), its status read while queued and the list of one.
EXPORT_ROUTES = {
    "request_export": ("start an export", "POST", "/users/me/exports"),
    "export_status": ("an export's status", "GET", "/users/me/exports/{exportId}"),
    "list_exports": ("list exports", "GET", "/users/me/exports"),
}
# Importing (Bench.imports): one new account per sample (one import runs at a time per
# account, and 10 a day); the file is uploaded with the presigned POST (S3, not metered).
IMPORT_ROUTES = {
    "create_import": ("create an import (its upload form)", "POST", "/users/me/imports"),
    "start_import": ("start an import", "POST", "/users/me/imports/{importId}/start"),
    "import_status": ("an import's status", "GET", "/users/me/imports/{importId}"),
}
# The routes `make bench` does not measure, and why (tests/benchmarks checks that every
# route of app.py is measured or named here).
NOT_MEASURED = {
    **{
        f"GET {path}": "static: no DynamoDB request"
        for path in (
            "/health",
            "/docs",
            "/docs/start.js",
            "/docs/swagger-ui-bundle.min.js",
            "/docs/swagger-ui.min.css",
            "/openapi.yaml",
            "/config/features",
        )
    },
    **{
        f"POST /auth/{path}": "a Cognito flow that needs an emailed code or a TOTP device"
        for path in (
            "email/verify",
            "email/resend",
            "password/reset-request",
            "password/reset-confirm",
            "mfa/verify",
            "mfa/setup",
            "mfa/verify-setup",
            "mfa/disable",
        )
    },
    "POST /auth/refresh": "Cognito's token refresh: no DynamoDB request",
    "POST /encryption/recovery": "rare (once per account); not measured yet",
    "POST /journal/{entryId}/share": "share by address: the email lookup and `create_share`, "
    "each measured",
    "POST /encryption/shares": "the web client's older name of POST /shares (same handler)",
    "GET /encryption/shares": "the web client's older name of GET /shares (same handler)",
    "DELETE /encryption/shares/{shareId}": "the older name of DELETE /shares/{shareId}",
    "DELETE /journal/shares/{shareId}": "the older name of DELETE /shares/{shareId}",
}
# Measured in their own way (see per_operation), not by the loop over bodiless operations.
KEY_CYCLE = ("set_up_keys", "delete_keys")
PAUSE_CYCLE = ("pause_goal", "resume_goal")
VACATION_CYCLE = ("add_vacation", "cancel_vacation")
CYCLES = (KEY_CYCLE, PAUSE_CYCLE, VACATION_CYCLE)
LOOKUPS = ("look_up_by_id", "look_up_by_email")
# Measured by a user of their own, who starts with nothing (lookups spend an hourly budget;
# archiving makes a goal before each call, and the operations user is at the goal quota).
OWN_USER = (*LOOKUPS, "archive_goal")
# Measured in per_operation's own loops (they build the user's data), not by the general one.
BUILDERS = ("create_goal", "log_activity", "log_activities", "create_journal_entry")
# At every scaling level: the table is bench/budgets.py SCALED (writes last: they add data).
SCALING_READS = tuple(scaled.name for scaled in budgets.SCALED if not scaled.writes)
SCALING_WRITES = tuple(scaled.name for scaled in budgets.SCALED if scaled.writes)


@contextmanager
def quiet_stdout() -> Iterator[None]:
    """The app logs one JSON line per request to stdout; send them to /dev/null (Powertools
    binds its handler to sys.stdout when the logger is created, at import)."""
    saved = sys.stdout
    with open(os.devnull, "w") as sink:
        sys.stdout = sink
        try:
            yield
        finally:
            sys.stdout = saved


class Bench:
    def __init__(self, stack: LocalStack, settings: Settings) -> None:
        from app import app  # imported only now: the environment is set
        from chalicelib.core import dynamo

        self.stack = stack
        self.settings = settings
        self.app = app
        self.gateway = Gateway(app)
        from chalicelib.core.config import get_settings
        from chalicelib.users.identity_provider import cognito_client

        # The app's own Cognito client too: the session routes' calls are counted apart.
        self.meter = Meter(dynamo.client(), cognito_client(get_settings().region))
        self.seeder = stack.client("dynamodb")  # a separate client: seeding is never counted
        self.table = stack.info.table_name
        self.cognito = stack.client("cognito-idp")
        self.rng = random.Random(settings.seed)
        self.auth_samples: dict[str, list[Sample]] = {name: [] for name in AUTH_ROUTES}

    # Users and data.

    def new_user(self, name: str) -> User:
        """A confirmed, signed-in user; the register and login requests are measured (every
        new user makes a sample: see `auth_summaries`)."""
        email = f"bench-{name}-{uuid.uuid4().hex[:8]}@example.com"
        with self.meter.measuring() as usage:
            registered = self.gateway.expect(
                201,
                "POST",
                "/auth/register",
                body={
                    "email": email,
                    "password": PASSWORD,
                    "firstName": "Bench",
                    "lastName": "Runner",
                },
            )
        self.auth_samples["register"].append(Sample(registered.seconds, usage))
        self.cognito.admin_confirm_sign_up(UserPoolId=self.stack.info.user_pool_id, Username=email)
        with self.meter.measuring() as usage:
            login = self.gateway.expect(
                200, "POST", "/auth/login", body={"email": email, "password": PASSWORD}
            )
        self.auth_samples["login"].append(Sample(login.seconds, usage))
        return User(
            email=email, token=login.body["accessToken"], user_id=_user_id(login.body["user"])
        )

    def create_goal(self, user: User, index: int) -> Answer:
        answer = self.invoke(OPERATIONS["create_goal"], user, index)
        user.goal_ids.append(answer.body["goalId"])
        return answer

    def create_entry(self, user: User, index: int) -> Answer:
        answer = self.invoke(OPERATIONS["create_journal_entry"], user, index)
        user.entry_ids.append(_entry_id(answer.body))
        return answer

    def seed_goal(self, user: User, count: int) -> dict[str, Any]:
        from bench.seed import seed_goal

        profile = self.gateway.expect(200, "GET", "/users/profile", token=user.token).body
        user.user_id = _user_id(profile)
        return seed_goal(
            self.seeder, self.table, user.user_id, user.goal_id, count, datetime.now(UTC), self.rng
        )

    def seed_entries(self, user: User, count: int) -> None:
        """Journal entries go through the app: their storage is the journal's business."""
        for index in range(len(user.entry_ids), count):
            self.create_entry(user, index)

    # Measuring.

    def invoke(self, op: Operation, user: User, index: int = 0) -> Answer:
        return self.gateway.expect(
            op.status,
            op.method,
            op.resource,
            op.path_params(user),
            token=user.token,
            query=op.query,
            body=op.body(index) if op.body else None,
        )

    def measure(
        self,
        op: Operation,
        user: User,
        index: int = 0,
        after: Callable[[Answer], None] | None = None,
    ) -> Sample:
        if op.prepare:
            op.prepare(self, user, index)
        with self.meter.measuring() as usage:
            answer = self.invoke(op, user, index)
        if after:
            after(answer)
        return Sample(answer.seconds, usage)

    def warm_up(self) -> None:
        """One pass over every operation, so lazy imports, clients and the JWKS are loaded."""
        user = self.new_user("warmup")
        for index in range(BATCHED_GOAL + 1):
            self.create_goal(user, index)
        self.create_entry(user, 0)
        for _ in range(3):
            for op in OPERATIONS.values():
                if op.name not in {"create_goal", "create_journal_entry"}:
                    if op.prepare:
                        op.prepare(self, user, 0)
                    self.invoke(op, user)  # set up keys, then delete them: in this order

    def per_operation(self) -> dict[str, Any]:
        """One user with 50 goals (one of them with 100 activities over 100 days) and
        `samples` journal entries: each operation `samples` times (create goal 50 times)."""
        n = self.settings.samples
        user = self.new_user("operations")
        found: dict[str, list[Sample]] = {name: [] for name in OPERATIONS}
        for index in range(50):
            found["create_goal"].append(
                self.measure(
                    OPERATIONS["create_goal"],
                    user,
                    index,
                    after=lambda answer: user.goal_ids.append(answer.body["goalId"]),
                )
            )
        seeded = self.seed_goal(user, 100)
        self.logs(user, found)
        for index in range(n):
            found["create_journal_entry"].append(
                self.measure(
                    OPERATIONS["create_journal_entry"],
                    user,
                    index,
                    after=lambda answer: user.entry_ids.append(_entry_id(answer.body)),
                )
            )
        for name, op in OPERATIONS.items():
            cycled = any(name in cycle for cycle in CYCLES)
            if not cycled and name not in (*OWN_USER, *BUILDERS):
                found[name] = [self.measure(op, user, index) for index in range(n)]
        for index in range(n):
            for cycle in CYCLES:  # each pair in its order: the second undoes the first
                for name in cycle:
                    found[name].append(self.measure(OPERATIONS[name], user, index))
        for name in OWN_USER:
            own = self.new_user(name)
            found[name] = [self.measure(OPERATIONS[name], own, index) for index in range(n)]
        summaries: dict[str, Any] = {}
        for name, op in OPERATIONS.items():
            base = {
                "label": op.label,
                "route": f"{op.method} {op.resource}"
                + (f"?{_query(op.query)}" if op.query else ""),
            }
            summaries[name] = {**base, **summarize(found[name])}
        summaries |= self.sharing()
        summaries |= self.sessions()
        summaries |= self.exports()
        summaries |= self.deletion()
        summaries |= self.imports()
        summaries |= self.auth_summaries()
        summaries["_setup"] = {
            "goals": len(user.goal_ids),
            "seededGoal": seeded,
            "journalEntries": len(user.entry_ids),
        }
        return summaries

    def auth_summaries(self) -> dict[str, Any]:
        """Register and login, as every new user of the run so far made them (the warm-up's
        first excepted: it loads the modules)."""
        return {
            name: {
                "label": label,
                "route": f"{method} {resource}",
                **summarize(self.auth_samples[name][1:]),
            }
            for name, (label, method, resource) in AUTH_ROUTES.items()
        }

    def logs(self, user: User, found: dict[str, list[Sample]]) -> None:
        """Single logs on the seeded goal, then batches of 100 on a goal of their own (each
        adds 100 activities: fewer samples)."""
        for index in range(self.settings.samples):
            found["log_activity"].append(self.measure(OPERATIONS["log_activity"], user, index))
        for index in range(min(self.settings.samples, BATCH_SAMPLES)):
            found["log_activities"].append(self.measure(OPERATIONS["log_activities"], user, index))

    def with_keys(self, user: User) -> None:
        """A key record for the user, as POST /encryption/setup stores it (seeded: not
        measured)."""
        from chalicelib.core import dynamo
        from chalicelib.users.keys import KeyRecord, key_record_item

        profile = self.gateway.expect(200, "GET", "/users/profile", token=user.token).body
        user.user_id = _user_id(profile)
        now = datetime.now(UTC).isoformat()
        record = KeyRecord(
            user_id=user.user_id,
            salt="c2FsdA==",
            encrypted_private_key="cHJpdmF0ZQ==" * 270,  # about the size a browser stores
            public_key="cHVibGlj" * 92,
            public_key_id=uuid.uuid4().hex,
            key_set_id=uuid.uuid4().hex,
            created_at=now,
            updated_at=now,
        )
        self.seeder.put_item(TableName=self.table, Item=dynamo.serialize(key_record_item(record)))

    def sharing(self) -> dict[str, Any]:
        """An owner with `samples` entries shares one with a recipient: each share route, and
        the recipient's reads, `samples` times (each revoke of a share made just before)."""
        n = self.settings.samples
        owner, recipient = self.new_user("share-owner"), self.new_user("share-recipient")
        for party in (owner, recipient):
            self.with_keys(party)
        self.seed_entries(owner, n)
        share = {"itemType": "journal", "itemId": owner.entry_id, "recipientId": recipient.user_id}
        entry = {"entryId": owner.entry_id}
        found: dict[str, list[Sample]] = {name: [] for name in SHARE_ROUTES}

        def timed(user: User, status: int, name: str, params: dict[str, str] | None = None) -> Any:
            _, method, resource = SHARE_ROUTES[name]
            path, _, query = resource.partition("?")
            with self.meter.measuring() as usage:
                answer = self.gateway.expect(
                    status,
                    method,
                    path,
                    params,
                    token=user.token,
                    query=dict([query.split("=")]) if query else None,
                    body=share if method == "POST" else None,
                )
            found[name].append(Sample(answer.seconds, usage))
            return answer

        for _ in range(n):
            timed(owner, 201, "create_share")  # sharing again replaces the share
        for _ in range(n):
            timed(recipient, 200, "open_shared_entry", entry)
            timed(owner, 200, "list_shares")
            timed(recipient, 200, "list_shared_with_me")
        for _ in range(n):
            made = self.gateway.expect(201, "POST", "/shares", token=owner.token, body=share)
            timed(owner, 204, "revoke_share", {"shareId": made.body["shareId"]})
        return {
            name: {"label": label, "route": f"{method} {resource}", **summarize(found[name])}
            for name, (label, method, resource) in SHARE_ROUTES.items()
        }

    def sessions(self) -> dict[str, Any]:
        """Each session route `samples` times, each time right after a fresh sign-in (the
        one before signed every session out); the password alternates between two."""
        n = self.settings.samples
        user = self.new_user("sessions")
        found: dict[str, list[Sample]] = {name: [] for name in SESSION_ROUTES}
        passwords = [PASSWORD, SECOND_PASSWORD]

        def timed(name: str, body: dict[str, str] | None) -> None:
            login = self.gateway.expect(
                200, "POST", "/auth/login", body={"email": user.email, "password": passwords[0]}
            )
            _, method, resource = SESSION_ROUTES[name]
            with self.meter.measuring() as usage:
                answer = self.gateway.expect(
                    200, method, resource, token=login.body["accessToken"], body=body
                )
            found[name].append(Sample(answer.seconds, usage))

        for _ in range(n):
            timed("sign_out_everywhere", None)
        for _ in range(n):
            timed("change_password", {"oldPassword": passwords[0], "newPassword": passwords[1]})
            passwords.reverse()
        return {
            name: {"label": label, "route": f"{method} {resource}", **summarize(found[name])}
            for name, (label, method, resource) in SESSION_ROUTES.items()
        }

    def exports(self) -> dict[str, Any]:
        """The three export routes for `samples` accounts (each a new one: a second request
        would answer the first export, and five a day are allowed)."""
        found: dict[str, list[Sample]] = {name: [] for name in EXPORT_ROUTES}
        # Not measured: the first export loads the export's modules and the S3 client.
        self.gateway.expect(202, "POST", "/users/me/exports", token=self.new_user("x").token)
        for index in range(self.settings.samples):
            user = self.new_user(f"exporter-{index}")
            params: dict[str, str] = {}
            for name, (_, method, resource) in EXPORT_ROUTES.items():
                with self.meter.measuring() as usage:
                    answer = self.gateway.expect(
                        202 if method == "POST" else 200,
                        method,
                        resource,
                        params,
                        token=user.token,
                    )
                found[name].append(Sample(answer.seconds, usage))
                if method == "POST":
                    params = {"exportId": answer.body["exportId"]}
        return {
            name: {"label": label, "route": f"{method} {resource}", **summarize(found[name])}
            for name, (label, method, resource) in EXPORT_ROUTES.items()
        }

    def deletion(self) -> dict[str, Any]:
        """`DELETE /users/me` and its status, for `samples` accounts (a Cognito password check
        and two Cognito admin calls are not metered: DynamoDB only); then one large account,
        exported and deleted (the job's first pass), each job run in-process as its handler
        runs it."""
        found: dict[str, list[Sample]] = {name: [] for name in DELETION_ROUTES}
        for index in range(self.settings.samples):
            user = self.new_user(f"deleted-{index}")
            for name, (_, method, resource) in DELETION_ROUTES.items():
                deleting = method == "DELETE"
                with self.meter.measuring() as usage:
                    answer = self.gateway.expect(
                        202 if deleting else 200,
                        method,
                        resource,
                        token=user.token,
                        body={"password": PASSWORD} if deleting else None,
                    )
                found[name].append(Sample(answer.seconds, usage))
        summaries: dict[str, Any] = {
            name: {"label": label, "route": f"{method} {resource}", **summarize(found[name])}
            for name, (label, method, resource) in DELETION_ROUTES.items()
        }
        user = self.large_account()
        summaries["_export"] = self.export_large_account(user)
        summaries["_erase"] = self.erase_large_account(user)
        summaries["_reminders"] = self.reminder_run()
        return summaries

    def reminder_run(self) -> dict[str, Any]:
        """One run of the reminder job (in-process, as the schedule runs it) with
        `reminders` goals armed for the same minute: its requests against what it sent. The
        email itself is counted, not sent (SES is not DynamoDB)."""
        from chalicelib.core import dynamo
        from chalicelib.core.local_time import LocalTime
        from chalicelib.goals.reminder_job import CHECKPOINT_KEY, ReminderJob
        from chalicelib.goals.reminders import fire_instant

        user = self.new_user("reminded")
        clock = (datetime.now(UTC) + timedelta(hours=2)).strftime("%H:%M")
        for index in range(self.settings.reminders):
            body = {
                "title": f"Reminded {index}",
                "goalPattern": "recurring",
                "target": {"value": 1, "period": "day"},
                "reminder": {"enabled": True, "localTime": clock},
            }
            self.gateway.expect(201, "POST", "/goals", token=user.token, body=body)
        today = datetime.now(UTC).date()
        fires = fire_instant(today, clock, LocalTime("UTC"))
        if fires <= datetime.now(UTC):
            fires = fire_instant(today + timedelta(days=1), clock, LocalTime("UTC"))
        sent: list[str] = []

        def send(to: str, subject: str, body: str) -> str:
            sent.append(to)
            return "counted"

        job = ReminderJob(send, now=lambda: fires)
        dynamo.delete_keys([CHECKPOINT_KEY])  # a fresh schedule: this minute and the one before
        with self.meter.measuring() as usage:
            job.run()
        return {
            "armed": self.settings.reminders,
            "sent": len(sent),
            "missed": self.settings.reminders - len(sent),
            "requests": usage.requests,
            "reads": usage.reads,
            "transactions": usage.transactions,
            "readsPerSent": round(usage.reads / len(sent), 4) if sent else None,
            "rcu": round(usage.rcu, 2),
            "wcu": round(usage.wcu, 2),
        }

    def large_account(self) -> User:
        """The largest account the quotas allow (Settings.large_*), exported, then deleted.
        The archived goals are made first: only active goals count towards the quota."""
        from bench.seed import seed_goal

        settings = self.settings
        user = self.new_user("large")
        goals = settings.large_archived_goals + settings.large_active_goals
        for index in range(goals):
            self.create_goal(user, index)
            seed_goal(
                self.seeder,
                self.table,
                user.user_id,
                user.goal_ids[-1],
                settings.large_activities,
                datetime.now(UTC),
                self.rng,
            )
            if index < settings.large_archived_goals:
                self.gateway.expect(
                    200,
                    "DELETE",
                    "/goals/{goalId}",
                    {"goalId": user.goal_ids[-1]},
                    token=user.token,
                )
        self.seed_entries(user, settings.large_entries)
        say(f"  large account seeded: {self._items_of(user):,} items")
        return user

    def export_large_account(self, user: User) -> dict[str, Any]:
        """The export job over the large account, run in-process as its handler runs it:
        every item read, the archive written to the stack's S3 (moto) by multipart upload."""
        from chalicelib import wiring
        from chalicelib.account.exports.records import export_job_key

        settings = self.settings
        started_export = self.gateway.expect(202, "POST", "/users/me/exports", token=user.token)
        export_id = started_export.body["exportId"]
        items = self._items_of(user)
        started = time.perf_counter()
        with self.meter.measuring() as usage:
            wiring.account_exports().run(export_job_key(user.user_id, export_id))
        seconds = time.perf_counter() - started
        status = self.gateway.expect(
            200,
            "GET",
            "/users/me/exports/{exportId}",
            {"exportId": export_id},
            token=user.token,
        ).body
        counts = status.get("counts") or {}
        shape = settings.large_shape
        expected = shape["goals"] * shape["activitiesPerGoal"] + shape["journalEntries"]
        return {
            **shape,
            "items": items,
            "status": status["status"],
            "missing": expected - counts.get("activities", 0) - counts.get("journalEntries", 0),
            "archiveBytes": (status.get("download") or {}).get("bytes"),
            "seconds": round(seconds, 2),
            "itemsPerSecond": round(items / seconds, 1) if seconds else None,
            "requests": usage.requests,
            "requestsPerItem": round(usage.requests / items, 4) if items else None,
            "rcu": round(usage.rcu, 1),
            "wcu": round(usage.wcu, 1),
        }

    def erase_large_account(self, user: User) -> dict[str, Any]:
        """The large account deleted: the job's first pass (everything erased)."""
        from chalicelib import wiring
        from chalicelib.account.jobs import subject_of

        settings = self.settings
        items = self._items_of(user)
        self.gateway.expect(
            202, "DELETE", "/users/me", token=user.token, body={"password": PASSWORD}
        )
        started = time.perf_counter()
        with self.meter.measuring() as usage:
            outcome = wiring.account_deletion().run(subject_of(user.user_id), lambda: False)
        seconds = time.perf_counter() - started
        left = self._items_of(user)
        return {
            **settings.large_shape,
            "items": items,
            "left": left,
            "outcome": type(outcome).__name__,
            "seconds": round(seconds, 2),
            "itemsPerSecond": round(items / seconds, 1) if seconds else None,
            "requests": usage.requests,
            "requestsPerItem": round(usage.requests / items, 4) if items else None,
            "rcu": round(usage.rcu, 1),
            "wcu": round(usage.wcu, 1),
        }

    def imports(self) -> dict[str, Any]:
        """The three import routes for `samples` accounts (a small file each); then a large
        file imported by the job, run in-process as its handler runs it."""
        from bench.seed import export_document

        small = json.dumps(export_document(1, 5, 1, date.today())).encode()
        found: dict[str, list[Sample]] = {name: [] for name in IMPORT_ROUTES}
        for index in range(self.settings.samples):
            user = self.new_user(f"importer-{index}")
            with self.meter.measuring() as usage:
                created = self.gateway.expect(
                    201,
                    "POST",
                    "/users/me/imports",
                    token=user.token,
                    body={"format": "ai-lifestyle-json"},
                )
            found["create_import"].append(Sample(created.seconds, usage))
            self._upload(created.body["upload"], small)
            params = {"importId": created.body["importId"]}
            for name, status in (("start_import", 202), ("import_status", 200)):
                _, method, resource = IMPORT_ROUTES[name]
                with self.meter.measuring() as usage:
                    answer = self.gateway.expect(status, method, resource, params, token=user.token)
                found[name].append(Sample(answer.seconds, usage))
        summaries: dict[str, Any] = {
            name: {"label": label, "route": f"{method} {resource}", **summarize(found[name])}
            for name, (label, method, resource) in IMPORT_ROUTES.items()
        }
        summaries["_import"] = self.import_large_file()
        return summaries

    def _upload(self, upload: dict[str, Any], data: bytes) -> None:
        import requests

        sent = requests.post(
            upload["url"],
            data=upload["fields"],
            files={"file": ("export.json", data)},
            timeout=120,
        )
        if sent.status_code not in (200, 201, 204):
            raise RuntimeError(f"upload refused: {sent.status_code} {sent.text[:200]}")

    def import_large_file(self) -> dict[str, Any]:
        """An export of `import_goals` goals of `import_activities` activities each and
        `import_entries` entries, imported into a new account by the job (one run)."""
        from bench.seed import export_document
        from chalicelib import wiring
        from chalicelib.account.imports.records import job_key_of

        settings = self.settings
        data = json.dumps(
            export_document(
                settings.import_goals,
                settings.import_activities,
                settings.import_entries,
                date.today(),
            )
        ).encode()
        user = self.new_user("imported")
        created = self.gateway.expect(
            201,
            "POST",
            "/users/me/imports",
            token=user.token,
            body={"format": "ai-lifestyle-json"},
        ).body
        self._upload(created["upload"], data)
        params = {"importId": created["importId"]}
        self.gateway.expect(
            202, "POST", "/users/me/imports/{importId}/start", params, token=user.token
        )
        started = time.perf_counter()
        with self.meter.measuring() as usage:
            outcome = wiring.imports().run(
                job_key_of(user.user_id, created["importId"]), lambda: False
            )
        seconds = time.perf_counter() - started
        status = self.gateway.expect(
            200, "GET", "/users/me/imports/{importId}", params, token=user.token
        ).body
        imported = (status.get("report") or {}).get("imported", {})
        expected = (
            settings.import_goals * (1 + settings.import_activities) + settings.import_entries
        )
        records = (
            imported.get("goals", 0)
            + imported.get("activities", 0)
            + imported.get("journalEntries", 0)
        )
        return {
            "goals": settings.import_goals,
            "activitiesPerGoal": settings.import_activities,
            "journalEntries": settings.import_entries,
            "fileBytes": len(data),
            "status": status["status"],
            "outcome": type(outcome).__name__,
            "records": records,
            "missing": expected - records,
            "seconds": round(seconds, 2),
            "recordsPerSecond": round(records / seconds, 1) if seconds else None,
            "requests": usage.requests,
            "requestsPerRecord": round(usage.requests / records, 4) if records else None,
            "transactions": usage.transactions,
            "rcu": round(usage.rcu, 1),
            "wcu": round(usage.wcu, 1),
        }

    def _partition_bytes(self, partition: str) -> int:
        """What a partition's items take in storage, as DynamoDB bills it (bench/cost.py)."""
        from bench.cost import DYNAMODB_ITEM_OVERHEAD_BYTES, item_bytes

        pages = self.seeder.get_paginator("query").paginate(
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": partition}},
        )
        return sum(
            item_bytes(item) + DYNAMODB_ITEM_OVERHEAD_BYTES
            for page in pages
            for item in page["Items"]
        )

    def storage_of(self, user: User, activities: int) -> dict[str, Any]:
        """Bytes stored per activity (the goal's partition: activities, day aggregates and
        whatever else the goal keeps there) and per journal entry (the user's partition, with
        the profile and goal items), for the cost per user (bench/cost.py)."""
        goal_bytes = sum(
            self._partition_bytes(f"USER#{user.user_id}#{goal_id}") for goal_id in user.goal_ids
        )
        user_bytes = self._partition_bytes(f"USER#{user.user_id}")
        entries = len(user.entry_ids)
        return {
            "goalPartitionBytes": goal_bytes,
            "userPartitionBytes": user_bytes,
            "bytesPerActivity": round(goal_bytes / activities, 1) if activities else None,
            "bytesPerEntry": round(user_bytes / entries, 1) if entries else None,
        }

    def _items_of(self, user: User) -> int:
        """How many items the user's partitions hold (counted by the seeding client)."""
        partitions = [f"USER#{user.user_id}"] + [
            f"USER#{user.user_id}#{goal_id}" for goal_id in user.goal_ids
        ]
        total = 0
        for partition in partitions:
            pages = self.seeder.get_paginator("query").paginate(
                TableName=self.table,
                KeyConditionExpression="PK = :pk",
                ExpressionAttributeValues={":pk": {"S": partition}},
                Select="COUNT",
            )
            total += sum(page["Count"] for page in pages)
        return total

    def scaling(self) -> dict[str, Any]:
        """A user per level, with one goal holding that many activities and that many journal
        entries. The reads are measured in interleaved rounds over the levels (in a shuffled
        order each round), so drift and ordering hit every level alike; the all-time progress
        read in rounds of its own (it once grew with the goal's days; it reads month rollups
        now); the logs last, because they add data."""
        users: dict[int, User] = {}
        seeds: dict[str, Any] = {}
        storage: dict[str, Any] = {}
        for level in self.settings.levels:
            user = users[level] = self.new_user(f"scale{level}")
            self.create_goal(user, 0)
            started = time.perf_counter()
            seeded = seeds[str(level)] = self.seed_goal(user, level)
            seeded["activitySeedSeconds"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            self.seed_entries(user, level)
            seeded["journalEntries"] = len(user.entry_ids)
            seeded["journalSeedSeconds"] = round(time.perf_counter() - started, 1)
            storage[str(level)] = self.storage_of(user, level)
            say(
                f"  level {level}: activities seeded in {seeded['activitySeedSeconds']} s, "
                f"journal entries in {seeded['journalSeedSeconds']} s"
            )
        reads = [OPERATIONS[name] for name in SCALING_READS if name != "progress_all"]
        found = self._rounds(users, reads)
        found |= self._rounds(users, [OPERATIONS["progress_all"]])
        for name in SCALING_WRITES:
            found[name] = {level: [] for level in users}
            for index in range(max(5, self.settings.rounds // 4)):
                for level in self.rng.sample(list(users), len(users)):
                    found[name][level].append(self.measure(OPERATIONS[name], users[level], index))
        operations: dict[str, Any] = {}
        for name in [*SCALING_READS, *SCALING_WRITES]:
            operations[name] = {
                str(level): summarize(samples) for level, samples in found[name].items()
            }
        return {
            "levels": list(users),
            "seed": seeds,
            "storage": storage,
            "operations": operations,
            "emulatorProbe": self.key_condition_probe(users[min(users)], users[max(users)]),
        }

    def key_condition_probe(self, small: User, large: User) -> dict[str, Any]:
        """DynamoDB Local evaluates `begins_with` on a sort key by walking the partition (an
        emulator artifact: on AWS it is a key range, like BETWEEN). That is why the app's queries
        send key ranges (`core.dynamo.KEY_END`); this measures both key conditions for list
        goals straight against the table, in the partition that also holds the journal."""
        conditions = {
            "beginsWith": "PK = :pk AND begins_with(SK, :low)",
            "between": "PK = :pk AND SK BETWEEN :low AND :high",
        }
        found: dict[str, dict[str, list[float]]] = {
            name: {"small": [], "large": []} for name in conditions
        }
        for _ in range(self.settings.rounds):
            for size, user in (("small", small), ("large", large)):
                for name, condition in conditions.items():
                    values = {":pk": {"S": f"USER#{user.user_id}"}, ":low": {"S": "GOAL#"}}
                    if name == "between":
                        values[":high"] = {"S": "GOAL#\uffff"}
                    started = time.perf_counter()
                    self.seeder.query(
                        TableName=self.table,
                        KeyConditionExpression=condition,
                        ExpressionAttributeValues=values,
                        ConsistentRead=True,
                    )
                    found[name][size].append((time.perf_counter() - started) * 1000)
        medians = {
            name: {size: round(statistics.median(values), 2) for size, values in sizes.items()}
            for name, sizes in found.items()
        }
        return {
            "partitionItems": {"small": len(small.entry_ids), "large": len(large.entry_ids)},
            "medianMs": medians,
            "ratio": {
                name: round(sizes["large"] / sizes["small"], 2) for name, sizes in medians.items()
            },
        }

    def _rounds(
        self, users: dict[int, User], reads: list[Operation]
    ) -> dict[str, dict[int, list[Sample]]]:
        found: dict[str, dict[int, list[Sample]]] = {
            op.name: {level: [] for level in users} for op in reads
        }
        calls = [(level, op) for level in users for op in reads]
        for _ in range(self.settings.rounds):
            self.rng.shuffle(calls)
            for level, op in calls:
                found[op.name][level].append(self.measure(op, users[level]))
        return found


def _user_id(profile: dict[str, Any]) -> str:
    for key in ("userId", "id", "sub"):
        if isinstance(profile.get(key), str):
            return str(profile[key])
    raise RuntimeError(f"no user id in the profile: {sorted(profile)}")


def _entry_id(body: dict[str, Any]) -> str:
    entry = body["entry"] if isinstance(body.get("entry"), dict) else body
    return str(entry["entryId"])


def _query(query: dict[str, str | list[str]]) -> str:
    return "&".join(f"{key}={value}" for key, value in query.items())


def _git_commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--", "app.py", "chalicelib"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    dirty = " + uncommitted changes to the app" if changed.stdout.strip() else ""
    return (done.stdout.strip() or "unknown") + dirty


PHASES = ("exports",)


def run_phase(settings: Settings, name: str) -> int:
    """One phase alone on its own stack (`--only`): its figures and budgets, printed; nothing
    is written to bench/results."""
    import json

    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        stack = LocalStack(require_dynamodb_local=True, log_dir=Path(scratch) / "logs")
        stack.start()
        try:
            os.environ.update({**stack.env(), **APP_ENV})
            with quiet_stdout():
                bench = Bench(stack, settings)
                bench.warm_up()
                operations = bench.exports()
                operations["_export"] = bench.export_large_account(bench.large_account())
        finally:
            stack.stop()
    print(json.dumps(operations, indent=2))
    verdicts = [
        verdict
        for verdict in budgets.check({"operations": operations})
        if verdict["status"] != "not measured"
    ]
    for verdict in verdicts:
        say(f"  {verdict['status']:<40} {verdict['rule']} (measured {verdict['measured']})")
    say(f"phase {name} done")
    return 1 if any(verdict["failed"] for verdict in verdicts) else 0


def run(settings: Settings, out_dir: Path) -> int:
    started = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    timings: dict[str, float] = {}

    def phase(name: str, since: float) -> float:
        timings[name] = round(time.perf_counter() - since, 1)
        say(f"{name}: {timings[name]} s")
        return time.perf_counter()

    results: dict[str, Any] = {
        "meta": {
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "commit": _git_commit(),
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "settings": vars(settings) | {"levels": settings.levels},
        }
    }
    say("cold start: fresh processes importing the app, and the floor")
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        env = {**APP_ENV, "TABLE_NAME": "ai-lifestyle-local", "AWS_DEFAULT_REGION": "us-east-1"}
        results["coldStart"] = cold_start.measure(REPO, env, settings.cold_runs)
        mark = phase("cold start", started)
        results["package"] = package_size.measure(REPO, Path(scratch) / "dev")
        mark = phase("package", mark)

        stack = LocalStack(
            dynamodb_port=0,
            cognito_port=0,
            data_dir=None,
            require_dynamodb_local=True,
            log_dir=Path(scratch) / "logs",
        )
        stack.start()
        try:
            os.environ.update({**stack.env(), **APP_ENV})
            results["meta"]["dynamodb"] = "DynamoDB Local (in memory)"
            with quiet_stdout():
                bench = Bench(stack, settings)
                bench.warm_up()
                mark = phase("stack and warm-up", mark)
                results["operations"] = bench.per_operation()
                mark = phase("per operation", mark)
                results["scaling"] = bench.scaling()
                mark = phase("scaling", mark)
        finally:
            stack.stop()
    results["meta"]["loadAverage"] = {
        "start": load_at_start,
        "end": [round(x, 2) for x in os.getloadavg()],
    }
    results["budgets"] = budgets.check(results)
    results["cost"] = cost.summary(results)
    timings["total"] = round(time.perf_counter() - started, 1)
    results["meta"]["seconds"] = timings
    report.write(results, out_dir)
    say(f"results in {out_dir} after {timings['total']} s")
    print("\n".join(cost.lines(results["cost"])), flush=True)
    failed = [verdict for verdict in results["budgets"] if verdict["failed"]]
    for verdict in results["budgets"]:
        say(f"  {verdict['status']:<40} {verdict['rule']} (measured {verdict['measured']})")
    if failed:
        say(f"{len(failed)} budget(s) broken: " + ", ".join(v["key"] for v in failed))
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="fewer samples, levels up to 1,000 (a smoke run, not the record)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the results go")
    parser.add_argument("--only", choices=PHASES, help="run one phase alone and print it")
    args = parser.parse_args(argv)
    settings = Settings()
    if args.quick:
        settings = Settings(
            samples=10,
            rounds=10,
            cold_runs=3,
            levels=(10, 100, 1_000),
            large_active_goals=5,
            large_archived_goals=1,
            large_activities=200,
            large_entries=200,
        )
    if args.only:
        return run_phase(settings, args.only)
    args.out.mkdir(parents=True, exist_ok=True)
    return run(settings, args.out.resolve())


if __name__ == "__main__":
    sys.exit(main())

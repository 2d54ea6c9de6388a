"""Builds each service once per process, on first use.

Nothing is built, and no domain is even imported, when the app is imported: a cold start pays
only for the domain its first request needs (a profile read never loads the goal engine), and
tests can point the settings elsewhere first.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.core import dynamo, local_stage, secrets
from chalicelib.core.config import get_settings

if TYPE_CHECKING:
    from chalicelib.account.deletion_service import AccountDeletionService
    from chalicelib.account.exports.service import ExportService
    from chalicelib.account.imports.service import ImportService
    from chalicelib.goals.activities import ActivityService
    from chalicelib.goals.batch import ActivityBatchService
    from chalicelib.goals.reminder_job import ReminderJob
    from chalicelib.goals.service import GoalService
    from chalicelib.goals.vacations import VacationService
    from chalicelib.journal.reads import JournalReads
    from chalicelib.journal.service import JournalService
    from chalicelib.journal.share_service import ShareService
    from chalicelib.sync.service import SyncService
    from chalicelib.users.auth_service import AuthService
    from chalicelib.users.directory import UserDirectory
    from chalicelib.users.key_service import KeyService
    from chalicelib.users.service import ProfileService


@lru_cache(maxsize=1)
def profiles() -> ProfileService:
    from chalicelib.users.repository import ProfileRepository
    from chalicelib.users.service import ProfileService

    return ProfileService(ProfileRepository())


@lru_cache(maxsize=1)
def keys() -> KeyService:
    from chalicelib.users.key_repository import KeyRepository
    from chalicelib.users.key_service import KeyService
    from chalicelib.users.repository import ProfileRepository

    return KeyService(KeyRepository(), ProfileRepository())


@lru_cache(maxsize=1)
def directory() -> UserDirectory:
    from chalicelib.users.directory import UserDirectory
    from chalicelib.users.key_repository import KeyRepository
    from chalicelib.users.lookup_limit import LookupLimit

    return UserDirectory(KeyRepository(), LookupLimit(), secrets.lookup_pseudonym_key)


@lru_cache(maxsize=1)
def goals() -> GoalService:
    from chalicelib.goals.repository import GoalRepository
    from chalicelib.goals.service import GoalService
    from chalicelib.journal.repository import JournalRepository

    return GoalService(GoalRepository(), completions=JournalRepository())


@lru_cache(maxsize=1)
def vacations() -> VacationService:
    from chalicelib.goals.repository import GoalRepository
    from chalicelib.goals.vacations import VacationService

    return VacationService(GoalRepository(), goals())


@lru_cache(maxsize=1)
def activities() -> ActivityService:
    from chalicelib.goals.activities import ActivityService
    from chalicelib.goals.repository import GoalRepository
    from chalicelib.journal.repository import JournalRepository

    return ActivityService(GoalRepository(), completions=JournalRepository())


@lru_cache(maxsize=1)
def activity_batches() -> ActivityBatchService:
    from chalicelib.goals.batch import ActivityBatchService
    from chalicelib.goals.repository import GoalRepository

    return ActivityBatchService(GoalRepository(), activities())


@lru_cache(maxsize=1)
def journal() -> JournalService:
    from chalicelib.goals.links import GoalLinks
    from chalicelib.goals.repository import GoalRepository
    from chalicelib.journal.repository import JournalRepository
    from chalicelib.journal.service import JournalService
    from chalicelib.journal.share_repository import ShareRepository

    # The activity service is built when an entry's goal links first change.
    return JournalService(
        JournalRepository(), GoalLinks(GoalRepository(), activities), ShareRepository()
    )


@lru_cache(maxsize=1)
def journal_reads() -> JournalReads:
    from chalicelib.journal.reads import JournalReads
    from chalicelib.journal.repository import JournalRepository
    from chalicelib.journal.share_repository import ShareRepository

    return JournalReads(JournalRepository(), ShareRepository())


@lru_cache(maxsize=1)
def shares() -> ShareService:
    from chalicelib.journal.share_repository import ShareRepository
    from chalicelib.journal.share_service import ShareService

    return ShareService(ShareRepository())


@lru_cache(maxsize=1)
def auth() -> AuthService:
    from chalicelib.users.auth_service import AuthService
    from chalicelib.users.identity_provider import CognitoIdentityProvider
    from chalicelib.users.repository import ProfileRepository

    settings = get_settings()
    return AuthService(
        CognitoIdentityProvider(settings),
        ProfileRepository(),
        session_key=secrets.session_token_key,
        dev_tools_enabled=settings.dev_tools_enabled,
    )


@lru_cache(maxsize=1)
def account_deletion() -> AccountDeletionService:
    from chalicelib.account.deletion_service import AccountDeletionService
    from chalicelib.account.eraser import Eraser
    from chalicelib.account.jobs import DeletionJobs
    from chalicelib.account.messages import message_for
    from chalicelib.core import queue, storage
    from chalicelib.journal.share_repository import ShareRepository
    from chalicelib.users.identity_provider import CognitoIdentityProvider
    from chalicelib.users.repository import ProfileRepository

    settings = get_settings()

    def enqueue(subject: str, delay_seconds: int) -> None:
        queue.send(settings.deletion_queue, message_for(subject), delay_seconds=delay_seconds)

    return AccountDeletionService(
        CognitoIdentityProvider(settings),
        ProfileRepository(),
        DeletionJobs(),
        lambda should_stop: Eraser(
            ShareRepository(), should_stop, delete_files=storage.delete_prefix
        ),
        enqueue,
        sweep_seconds=settings.deletion_sweep_seconds,
    )


@lru_cache(maxsize=1)
def account_exports() -> ExportService:
    from chalicelib.account.exports.records import ExportRecords
    from chalicelib.account.exports.service import ExportService, Storage
    from chalicelib.account.exports.source import AccountSource
    from chalicelib.account.messages import export_message
    from chalicelib.core import queue, storage

    settings = get_settings()

    def enqueue(job_key: str) -> None:
        queue.send(settings.deletion_queue, export_message(job_key))

    return ExportService(
        ExportRecords(),
        Storage(put_stream=storage.put_stream, presigned_get=storage.presigned_get),
        AccountSource,
        enqueue,
    )


@lru_cache(maxsize=1)
def imports() -> ImportService:
    from chalicelib.account.imports.limit import ImportLimit
    from chalicelib.account.imports.records import ImportRecords
    from chalicelib.account.imports.service import ImportService
    from chalicelib.account.imports.writer import ImportWriter
    from chalicelib.account.messages import import_message
    from chalicelib.core import queue
    from chalicelib.goals.repository import GoalRepository
    from chalicelib.journal.repository import JournalRepository
    from chalicelib.users.key_repository import KeyRepository
    from chalicelib.users.repository import ProfileRepository

    settings = get_settings()

    def enqueue(job_key: str) -> None:
        queue.send(settings.deletion_queue, import_message(job_key))

    def writer() -> ImportWriter:
        return ImportWriter(
            GoalRepository(),
            goals(),
            activities(),
            JournalRepository(),
            KeyRepository(),
            keys(),
            profiles(),
            vacations(),
        )

    return ImportService(ImportRecords(), ProfileRepository(), ImportLimit(), writer, enqueue)


@lru_cache(maxsize=1)
def sync() -> SyncService:
    from chalicelib.sync.service import SyncService

    return SyncService(present_goal=goals().present)


@lru_cache(maxsize=1)
def reminder_job() -> ReminderJob:
    from chalicelib.core import mail
    from chalicelib.goals.reminder_job import ReminderJob

    return ReminderJob(mail.send_text)


def reset() -> None:
    """Forget every built service, client and setting (for tests that change the environment)."""
    from chalicelib.core import mail, queue, storage
    from chalicelib.users import identity_provider

    for cached in (
        account_deletion,
        account_exports,
        imports,
        reminder_job,
        mail.client,
        queue.client,
        storage.client,
        queue.queue_url,
        profiles,
        keys,
        directory,
        goals,
        sync,
        activities,
        journal,
        journal_reads,
        shares,
        auth,
        get_settings,
        dynamo.aws_client,
        dynamo.probe_client,
        identity_provider.cognito_client,
        secrets.session_token_key,
        secrets.lookup_pseudonym_key,
        secrets._stored_secret,
        secrets.secrets_client,
    ):
        cached.cache_clear()


local_stage.forget_on_new_stack(reset)

"""A journal entry as the journal's rules see it: typed and immutable. Items become entries
(and back) only in journal/repository.py; the wire shapes are presenter.py's and
share_presenter.py's.
"""

from dataclasses import dataclass

from chalicelib.core import errors
from chalicelib.journal.shares import Share


def entry_not_found() -> errors.AppError:
    """The one 404 for an entry the caller may not see: absent, another's, or unshared."""
    return errors.NotFound("The journal entry was not found.", code="ENTRY_NOT_FOUND")


@dataclass(frozen=True)
class GoalProgress:
    """A value the entry records for one of its linked goals; `activity_id` is the activity
    it logged on that goal (goal_links.py), None when it logged none."""

    goal_id: str
    progress_value: float | None = None
    notes: str | None = None
    completed: bool = False
    activity_id: str | None = None


@dataclass(frozen=True)
class JournalEntry:
    entry_id: str
    user_id: str
    title: str
    content: str
    created_at: str
    updated_at: str
    version: int
    local_date: str  # the local day it was written on, as its stats count it
    template: str = "blank"
    word_count: int | None = None
    tags: tuple[str, ...] = ()
    mood: str | None = None
    linked_goal_ids: tuple[str, ...] = ()
    goal_progress: tuple[GoalProgress, ...] = ()
    is_encrypted: bool = False
    is_shared: bool = False
    encrypted_key: str | None = None
    encryption_iv: str | None = None
    shared_with: tuple[str, ...] = ()
    # The lower-cased text that searches read, on entries stored while it was kept beside the
    # content (no longer written: search.py extracts the text of the others).
    search_text: str | None = None


@dataclass(frozen=True)
class SharedEntry:
    """An entry listed through one of its shares: received (the owner's entry, which the
    reader sees without its goal links) or sent (one listing per share the owner made)."""

    entry: JournalEntry
    share: Share
    incoming: bool


def listed_entry(listed: JournalEntry | SharedEntry) -> JournalEntry:
    return listed.entry if isinstance(listed, SharedEntry) else listed

"""Journal lists, filters and search, and the text they search, on the in-memory table
(tests/service/memory_table.py): the owner's entries newest first, each filter, search in the
text and never in the markup, entries stored before their search text, and what an entry's
word count is."""

import time
import uuid
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core import dynamo
from chalicelib.core.errors import ValidationFailed
from chalicelib.core.http import Page
from tests.helpers import new_goal, written_entry


@pytest.fixture
def user(table) -> str:
    return str(uuid.uuid4())


FIRST_PAGE = Page(1, 20)


def _titles(user: str, page: Page = FIRST_PAGE, **filters: str) -> tuple[list[str], Any]:
    listed = wiring.journal_reads().list_entries(user, page=page, filters=filters)
    return [entry["title"] for entry in listed["entries"]], listed


def test_words_are_counted_in_the_text_not_the_markup(user):
    entry = written_entry(
        wiring.journal(),
        user,
        title="T",
        content="<h1>Big&nbsp;day</h1><script>var x = 1;</script><ul><li>one</li><li>two</li></ul>",
        wordCount=99,
    )
    assert entry["wordCount"] == 4


def test_encrypted_content_is_opaque_and_keeps_the_given_word_count(user):
    entry = written_entry(
        wiring.journal(),
        user,
        title="Secret",
        content="U2FsdGVkX1+abc==",
        isEncrypted=True,
        wordCount=120,
        encryptedKey="wrapped-key",
        encryptionIv="iv==",
    )
    assert (entry["content"], entry["wordCount"], entry["isEncrypted"]) == (
        "U2FsdGVkX1+abc==",
        120,
        True,
    )


def test_list_filters_and_search(user):
    goal_id = new_goal(user)["goalId"]
    for title, fields in (
        (
            "Run",
            {
                "tags": ["running"],
                "mood": "happy",
                "template": "habit_tracker",
                "linkedGoalIds": [goal_id],
            },
        ),
        ("Rest", {"tags": ["sleep"], "mood": "tired"}),
        ("Notes", {"content": "<p>Bought <em>blueberries</em></p>"}),
    ):
        written_entry(wiring.journal(), user, title=title, **fields)
        time.sleep(0.002)  # entry ids order by millisecond: newest first needs a new one
    assert _titles(user)[0] == ["Notes", "Rest", "Run"]
    assert _titles(user, tag="RUNNING")[0] == ["Run"]
    assert _titles(user, mood="tired")[0] == ["Rest"]
    assert _titles(user, template="habit_tracker")[0] == ["Run"]
    assert _titles(user, goalId=goal_id)[0] == ["Run"]
    assert _titles(user, q="blueberr")[0] == ["Notes"]
    assert _titles(user, q="em")[0] == []  # markup is not text
    first, listed = _titles(user, Page(1, 2))
    assert first == ["Notes", "Rest"]
    assert (listed["hasMore"], listed["total"]) == (True, 3)
    assert _titles(user, Page(2, 2))[0] == ["Run"]
    with pytest.raises(ValidationFailed) as refused:
        _titles(user, filter="everything")
    assert refused.value.status == 400


def test_entries_are_searched_in_their_text_or_the_copy_stored_with_older_ones(table, user):
    written_entry(wiring.journal(), user, content="<p>Bought blueberries</p>")
    [entry] = [
        item for item in table.partition(dynamo.user_pk(user)) if item["SK"].startswith("JOURNAL#")
    ]
    assert "searchText" not in entry
    assert _titles(user, q="BLUEBERRIES")[1]["total"] == 1
    # An entry stored with the copy (the older shape) is searched in it, as it always was.
    table.items[(entry["PK"], entry["SK"])]["searchText"] = "bought blueberries and figs"
    assert _titles(user, q="figs")[1]["total"] == 1

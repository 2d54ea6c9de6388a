"""The journal repository's edge for stats: stats items of every age read as typed stats, and
the view over them is what it was over the items themselves."""

from datetime import date

from chalicelib.journal import stats
from chalicelib.journal.repository import stats_of

MAIN = {
    "totalEntries": 3,
    "totalWords": 30,
    "day#2026-02-27": 1,  # a day counter from before month items, still on the main item
    "template#blank": 2,
    "template#gratitude": 1,
    "templateUsed#gratitude": "2026-03-02T08:00:00.000Z",
    "mood#calm": 0,  # left at zero by a concurrent write
    "tag#run": 2,
    "goal#g1": 1,
    "goal#g2": 1,
    "completedGoals": {"g1", "gone"},
    "timezone": "Europe/Paris",
    "dayStartHour": 4,
    "lastEntryAt": "2026-03-02T08:00:00.000Z",
}
MONTH = {"day#2026-03-01": 1, "day#2026-03-02": 1}


def test_a_main_item_reads_typed_with_every_counter_as_stored():
    read = stats_of({"PK": "USER#u", "SK": "JOURNALSTATS", **MAIN})
    assert (read.total_entries, read.total_words) == (3, 30)
    assert read.counters == {
        "day#2026-02-27": 1,
        "template#blank": 2,
        "template#gratitude": 1,
        "mood#calm": 0,
        "tag#run": 2,
        "goal#g1": 1,
        "goal#g2": 1,
    }
    assert read.template_used == {"gratitude": "2026-03-02T08:00:00.000Z"}
    assert read.completed_goals == {"g1", "gone"}
    assert (read.timezone, read.day_start_hour) == ("Europe/Paris", 4)
    assert read.last_entry_at == "2026-03-02T08:00:00.000Z"
    # The zero a concurrent write left goes with the next write; the legacy day stays put.
    planned = stats.plan(read, {"day#2026-02-27": -1, "totalEntries": -1})
    assert planned.main.removes == {"day#2026-02-27": 1, "mood#calm": 0}
    assert planned.months == {}


def test_the_view_over_the_merged_items():
    merged = stats.merged([stats_of(MAIN), stats_of(MONTH)])
    view = stats.stats_view(merged, date(2026, 3, 2), lambda day: f"{day}T00:00:00.000Z")
    assert view == {
        "totalEntries": 3,
        "totalWords": 30,
        "currentStreak": 2,
        "longestStreak": 2,
        "lastEntryDate": "2026-03-02T08:00:00.000Z",
        "goalsTracked": 2,
        "goalsCompleted": 1,
        "templateUsage": [
            {"template": "blank", "count": 2, "lastUsed": None},
            {"template": "gratitude", "count": 1, "lastUsed": "2026-03-02T08:00:00.000Z"},
        ],
        "entriesThisWeek": 1,  # 2026-03-02 is a Monday
        "entriesThisMonth": 2,
        "averageWordsPerEntry": 10.0,
        "averageWordCount": 10.0,
        "moodDistribution": {},
        "topTags": [{"tag": "run", "count": 2}],
    }


def test_no_items_read_as_empty_stats():
    assert stats.merged([]) == stats.NO_STATS
    assert stats.stats_view(stats.NO_STATS, date(2026, 3, 2), str)["totalEntries"] == 0

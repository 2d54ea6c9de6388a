"""Pauses and vacations through the wired services on the in-memory table: a backdated pause
recomputes the stored progress in its write, resuming is exact, `PUT status` keeps pauses in
step, and a vacation reaches every active goal (docs/progress-rules.md, "Pauses and
vacations"). Dates are relative to today: the services run on the real clock (UTC)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.core.errors import BusinessRuleViolation, NotFound
from chalicelib.core.validation import parse
from chalicelib.goals import pausing
from chalicelib.goals.models import GoalUpdate, PauseFields
from chalicelib.goals.progress_state import stored_state
from chalicelib.goals.repository import GoalRepository
from chalicelib.users.profile import Profile
from chalicelib.users.repository import ProfileRepository
from tests.helpers import logged, new_goal

TODAY = datetime.now(UTC).date()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def user(table) -> str:
    user_id = str(uuid.uuid4())
    ProfileRepository().create(Profile(user_id=user_id, email=f"{user_id}@example.com"))
    return user_id


def _daily_goal(user: str) -> dict[str, Any]:
    """A daily habit created today, with 1 logged on each of the last four days (backdated
    logs move its first day back)."""
    goal = new_goal(user, goalPattern="recurring", target={"value": 1, "period": "day"})
    for offset in (-4, -3, -2, -1):
        logged(user, goal["goalId"], {"value": 1, "activityDate": day(offset)})
    return goal


def _pause(user: str, goal_id: str, body: dict[str, Any]) -> dict[str, Any]:
    change = pausing.pause(parse(PauseFields, body))
    return wiring.goals().change_pauses(user, goal_id, change)


def _stored(user: str, goal_id: str) -> dict[str, Any]:
    goal = GoalRepository().get(user, goal_id)
    assert goal is not None
    return goal.to_item()


def _stored_excused(user: str, goal_id: str) -> int:
    """How many ended periods the stored fold counts as excused (read as the engine does:
    the stored shape is compact)."""
    return stored_state(GoalRepository().get(user, goal_id)).fold.excused  # type: ignore[arg-type]


def test_a_backdated_pause_recomputes_the_stored_progress_in_its_write(user):
    goal = _daily_goal(user)
    goal_id = goal["goalId"]
    # Nothing on day -2 now: it failed, and the streak is 1.
    activities = wiring.activities()
    listed = activities.list_activities(user, goal_id, page=parse_page())["activities"]
    minus_two = next(a for a in listed if a["activityDate"].startswith(day(-2)))
    activities.delete_activity(user, goal_id, minus_two["activityId"])
    before = wiring.goals().get(user, goal_id)["progress"]
    assert (before["currentStreak"], before["successRate"]) == (1, 75.0)
    paused = _pause(user, goal_id, {"from": day(-2), "until": day(-2), "reason": "ill"})
    assert paused["status"] == "active"  # a dated pause leaves the status alone
    assert paused["pauses"] == [{"from": day(-2), "until": day(-2), "reason": "ill"}]
    progress = paused["progress"]
    assert (progress["currentStreak"], progress["successRate"]) == (3, 100.0)
    assert [e["excused"] for e in progress["periodHistory"]] == [False, False, True, False, False]
    assert _stored_excused(user, goal_id) == 1  # the write stored it recomputed
    assert (
        _stored(user, goal_id)["version"] == goal["version"] + 4 + 1 + 1
    )  # 4 logs, 1 delete, the pause
    # Cancelling it takes the excuse back, in its write too.
    cancelled = wiring.goals().change_pauses(user, goal_id, pausing.cancel(day(-2)))
    assert (cancelled["progress"]["currentStreak"], cancelled["pauses"]) == (1, [])
    assert _stored_excused(user, goal_id) == 0


def parse_page() -> Any:
    from chalicelib.core.http import parse_page as parse

    return parse({})


def test_pause_now_resume_later_and_put_status_keep_pauses_in_step(user):
    goal = _daily_goal(user)
    goal_id = goal["goalId"]
    paused = _pause(user, goal_id, {})
    assert (paused["status"], paused["pauses"]) == (
        "paused",
        [{"from": day(0), "until": None, "reason": None}],
    )
    assert paused["progress"]["periodHistory"][-1]["excused"] is True
    with pytest.raises(BusinessRuleViolation) as caught:
        _pause(user, goal_id, {"from": day(3)})  # inside the open pause
    assert caught.value.code == "PAUSE_OVERLAPS"
    # Resumed the day it began: nothing is left, and today counts again.
    resumed = wiring.goals().change_pauses(user, goal_id, pausing.resume)
    assert (resumed["status"], resumed["pauses"]) == ("active", [])
    again = wiring.goals().change_pauses(user, goal_id, pausing.resume)
    assert again["version"] == resumed["version"]  # a second resume writes nothing
    put = wiring.goals().update(user, goal_id, parse(GoalUpdate, {"status": "paused"}))
    assert put["pauses"] == [{"from": day(0), "until": None, "reason": None}]
    put = wiring.goals().update(user, goal_id, parse(GoalUpdate, {"status": "active"}))
    assert (put["status"], put["pauses"]) == ("active", [])
    with pytest.raises(NotFound) as missing:
        wiring.goals().change_pauses(user, goal_id, pausing.cancel(day(9)))
    assert missing.value.code == "PAUSE_NOT_FOUND"
    with pytest.raises(NotFound):
        wiring.goals().change_pauses(str(uuid.uuid4()), goal_id, pausing.resume)


def test_a_vacation_reaches_every_active_goal_and_a_backdated_one_recomputes(user):
    first, second = _daily_goal(user), _daily_goal(user)
    drafted = new_goal(user, status="draft")
    vacations = wiring.vacations()
    added = vacations.add(
        user, parse(PauseFields, {"from": day(-2), "until": day(-1)}), timezone=None
    )
    assert added == {"vacations": [{"from": day(-2), "until": day(-1), "reason": None}]}
    assert vacations.list_vacations(user) == added
    for goal in (first, second):
        stored = _stored(user, goal["goalId"])
        assert stored["vacations"] == [{"from": day(-2), "until": day(-1)}]
        assert _stored_excused(user, goal["goalId"]) == 2  # recomputed in the write
        shown = wiring.goals().get(user, goal["goalId"])["progress"]
        assert [e["excused"] for e in shown["periodHistory"]] == [False, False, True, True, False]
    assert "vacations" not in _stored(user, drafted["goalId"])  # not active: not touched
    # The draft takes the copy when it next changes (here: becomes active).
    activated = wiring.goals().update(
        user, drafted["goalId"], parse(GoalUpdate, {"status": "active"})
    )
    assert _stored(user, activated["goalId"])["vacations"] == [{"from": day(-2), "until": day(-1)}]
    # A goal created during a vacation starts with it.
    created = new_goal(user)
    assert _stored(user, created["goalId"])["vacations"] == [{"from": day(-2), "until": day(-1)}]
    left = vacations.cancel(user, day(-2), timezone=None)
    assert left == {"vacations": []}
    assert _stored_excused(user, first["goalId"]) == 0
    with pytest.raises(NotFound) as missing:
        vacations.cancel(user, day(-2), timezone=None)
    assert missing.value.code == "VACATION_NOT_FOUND"


def test_vacations_need_a_profile_and_keep_their_limits(table):
    stranger = str(uuid.uuid4())
    with pytest.raises(NotFound):
        wiring.vacations().list_vacations(stranger)
    user = str(uuid.uuid4())
    ProfileRepository().create(Profile(user_id=user))
    vacations = wiring.vacations()
    for index in range(50):
        vacations.add(
            user,
            parse(PauseFields, {"from": day(2 * index), "until": day(2 * index)}),
            timezone=None,
        )
    with pytest.raises(BusinessRuleViolation) as caught:
        vacations.add(
            user, parse(PauseFields, {"from": day(101), "until": day(101)}), timezone=None
        )
    assert caught.value.code == "TOO_MANY_PAUSES"
    assert len(vacations.list_vacations(user)["vacations"]) == 50

"""Request models and field rules of the goal and activity routes (docs/api.md; the contract
lists every field)."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictInt

from chalicelib.core.clock import parse_instant
from chalicelib.core.errors import FieldError
from chalicelib.core.fields import Number, ShortText, Title, not_blank
from chalicelib.core.free_json import FreeObject, object_or_text
from chalicelib.core.validation import WireModel

Pattern = Literal["recurring", "milestone", "target", "streak", "limit"]
Metric = Literal["count", "duration", "amount", "weight", "distance", "calories", "money", "custom"]
Period = Literal["day", "week", "month", "quarter", "year"]
Direction = Literal["increase", "decrease", "maintain"]
TargetType = Literal["minimum", "maximum", "exact", "range"]
Frequency = Literal["daily", "weekly", "monthly", "custom"]
Status = Literal["draft", "active", "paused", "completed", "archived"]
Visibility = Literal["private", "friends", "public"]
ActivityType = Literal["progress", "completed", "skipped", "partial"]
Source = Literal["manual", "device", "integration", "import", "journal"]

MAX_STREAK = 3650


def _calendar_date(value: Any) -> Any:
    """A date-only string stays a date; a full instant is cut to its own date."""
    if isinstance(value, str) and len(value.strip()) > 10:
        try:
            return parse_instant(value).date()
        except ValueError:
            return value
    return value


def _instant(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_instant(value) if len(value.strip()) > 10 else date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("must be an ISO-8601 date or date-time") from exc
    return value


def _date_text(value: Any) -> Any:
    """A local date is written YYYY-MM-DD: no timestamp number, no instant."""
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("must be a date, YYYY-MM-DD")
    return value


Label = Annotated[
    str, Field(min_length=1, max_length=50), AfterValidator(not_blank), AfterValidator(str.strip)
]
Sentence = Annotated[str, Field(max_length=200)]
CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]
LocalDate = Annotated[date, BeforeValidator(_date_text)]
DateOrInstant = Annotated[date | datetime, BeforeValidator(_instant)]
Weekday = Annotated[StrictInt, Field(ge=0, le=6)]
ClockTime = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class TargetInput(WireModel):
    metric: Metric | None = None
    value: Number | None = None
    unit: ShortText | None = None
    period: Period | None = None
    target_date: CalendarDate | None = None
    start_value: Number | None = None
    current_value: Number | None = None
    direction: Direction | None = None
    target_type: TargetType | None = None
    min_value: Number | None = None
    max_value: Number | None = None


class ScheduleInput(WireModel):
    frequency: Frequency | None = None
    days_of_week: Annotated[list[Weekday], Field(max_length=7)] | None = None
    preferred_times: Annotated[list[ClockTime], Field(max_length=10)] | None = None
    check_in_frequency: ShortText | None = None
    allow_skip_days: Annotated[StrictInt, Field(ge=0, le=365)] | None = None
    catch_up_allowed: StrictBool | None = None


class ContextInput(WireModel):
    motivation: Annotated[str, Field(max_length=1000)] | None = None
    importance_level: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    supporting_goals: Annotated[list[Sentence], Field(max_length=20)] | None = None
    conflicting_goals: Annotated[list[Sentence], Field(max_length=20)] | None = None
    obstacles: Annotated[list[Sentence], Field(max_length=20)] | None = None
    success_factors: Annotated[list[Sentence], Field(max_length=20)] | None = None
    preferred_activities: Annotated[list[Sentence], Field(max_length=20)] | None = None
    avoid_activities: Annotated[list[Sentence], Field(max_length=20)] | None = None


class RewardsInput(WireModel):
    points_per_activity: Annotated[StrictInt, Field(ge=0, le=100_000)] | None = None
    milestone_rewards: Annotated[list[FreeObject], Field(max_length=20)] | None = None
    badges: Annotated[list[ShortText], Field(max_length=50)] | None = None


class ReminderInput(WireModel):
    """A goal's reminder: `localTime` in the user's zone, else the schedule's first
    preferred time (docs/api.md, "Reminders")."""

    enabled: StrictBool
    local_time: ClockTime | None = None


class GoalFields(WireModel):
    """Fields a client may send when creating or changing a goal (all optional here)."""

    title: Title | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None
    category: Label | None = None
    icon: ShortText | None = None
    color: ShortText | None = None
    visibility: Visibility | None = None
    target: TargetInput | None = None
    schedule: ScheduleInput | None = None
    context: ContextInput | None = None
    rewards: RewardsInput | None = None
    metadata: FreeObject | None = None
    is_journal_linked: StrictBool | None = None
    reminder: ReminderInput | None = None


class GoalCreate(GoalFields):
    title: Title
    goal_pattern: Pattern
    target: TargetInput
    status: Literal["draft", "active", "paused"] = "active"


class GoalUpdate(GoalFields):
    goal_pattern: Pattern | None = None
    status: Status | None = None


class ActivityFields(WireModel):
    value: Number | None = None
    unit: ShortText | None = None
    activity_type: ActivityType | None = None
    activity_date: DateOrInstant | None = None
    note: Annotated[str, Field(max_length=500)] | None = None
    location: Annotated[Any, AfterValidator(object_or_text(200))] = None
    context: FreeObject | None = None
    source: Source | None = None
    attachments: (
        Annotated[list[Annotated[Any, AfterValidator(object_or_text(2000))]], Field(max_length=10)]
        | None
    ) = None


class PauseFields(WireModel):
    """POST /goals/{goalId}/pause: local dates, inclusive; `until` left out: until resumed."""

    start: LocalDate | None = Field(default=None, alias="from")
    until: LocalDate | None = None
    reason: Sentence | None = None


def pattern_errors(
    pattern: str, target: dict[str, Any], today: date, target_date_changed: bool
) -> list[FieldError]:
    """The rules each goal pattern puts on its (merged) target, in the order a client sees
    them."""
    value = target.get("value")
    if value is None:
        return [FieldError("target.value", "is required")]
    return [
        *_value_sign_errors(pattern, value),
        *_period_errors(pattern, target),
        *_streak_errors(pattern, value),
        *_target_goal_errors(pattern, target),
        *_target_date_errors(target, today, target_date_changed),
        *_range_errors(target),
    ]


def _value_sign_errors(pattern: str, value: float) -> list[FieldError]:
    # A limit or target of 0 means "none at all"; every other pattern counts up to its value.
    if pattern in {"limit", "target"}:
        return [FieldError("target.value", "must be 0 or more")] if value < 0 else []
    return [FieldError("target.value", "must be greater than 0")] if value <= 0 else []


def _period_errors(pattern: str, target: dict[str, Any]) -> list[FieldError]:
    if pattern in {"recurring", "limit"} and not target.get("period"):
        return [FieldError("target.period", f"is required for {pattern} goals")]
    return []


def _streak_errors(pattern: str, value: float) -> list[FieldError]:
    if pattern == "streak" and (value != int(value) or not 1 <= value <= MAX_STREAK):
        return [FieldError("target.value", f"must be a whole number of periods, 1 to {MAX_STREAK}")]
    return []


def _target_goal_errors(pattern: str, target: dict[str, Any]) -> list[FieldError]:
    if pattern != "target":
        return []
    errors: list[FieldError] = []
    if target.get("startValue") is None:
        errors.append(FieldError("target.startValue", "is required for target goals"))
    if not target.get("targetDate"):
        errors.append(FieldError("target.targetDate", "is required for target goals"))
    return errors


def _target_date_errors(
    target: dict[str, Any], today: date, target_date_changed: bool
) -> list[FieldError]:
    # Only a date the client sets now must lie ahead: an old goal keeps its past date.
    target_date = target.get("targetDate")
    if target_date_changed and target_date and date.fromisoformat(target_date) <= today:
        return [FieldError("target.targetDate", "must be in the future")]
    return []


def _range_errors(target: dict[str, Any]) -> list[FieldError]:
    if target.get("targetType") != "range":
        return []
    low, high = target.get("minValue"), target.get("maxValue")
    if low is None or high is None:
        return [FieldError("target.minValue", "range targets need minValue and maxValue")]
    if low > high:
        return [FieldError("target.maxValue", "must not be below minValue")]
    return []

"""Plain-data configuration of the ACD: queues, routing rules, business hours and agents.

Everything here validates on construction (pydantic) so the server can build the engine from
rows or YAML and get one precise error for a bad setting instead of a misrouted conversation.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kefu.core.errors import InvalidInput

Presence = Literal["online", "away", "offline", "wrap_up"]
SettablePresence = Literal["online", "away", "offline"]
StrategyName = Literal["longest_idle", "round_robin", "least_occupied", "skills_weighted", "sticky"]
BaseStrategy = Literal["longest_idle", "round_robin", "least_occupied", "skills_weighted"]
STRATEGIES: tuple[str, ...] = (
    "longest_idle",
    "round_robin",
    "least_occupied",
    "skills_weighted",
    "sticky",
)
MIN_PROFICIENCY = 1
MAX_PROFICIENCY = 10
Proficiency = Annotated[int, Field(ge=MIN_PROFICIENCY, le=MAX_PROFICIENCY)]
Identifier = Annotated[str, Field(min_length=1, max_length=64)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WideningStep(_Model):
    """After ``after_seconds`` in the queue, accept a lower proficiency or move to another queue.

    The equivalent of one Asterisk ``penaltychange`` line (with proficiency instead of penalty:
    higher is better here).
    """

    after_seconds: float = Field(gt=0)
    min_proficiency: Proficiency | None = None
    overflow_to: Identifier | None = None

    @model_validator(mode="after")
    def _one_action(self) -> WideningStep:
        if (self.min_proficiency is None) == (self.overflow_to is None):
            raise ValueError("a widening step sets exactly one of min_proficiency or overflow_to")
        return self


class QueueConfig(_Model):
    """One queue (skill group). Agents with ``skill`` at ``min_proficiency`` or more serve it."""

    id: Identifier
    skill: Identifier | None = None  # defaults to the queue id
    media: Identifier = "chat"
    strategy: StrategyName = "longest_idle"
    sticky_seconds: float = Field(default=0.0, ge=0)
    sticky_fallback: BaseStrategy = "longest_idle"
    min_proficiency: Proficiency = MIN_PROFICIENCY
    widening: tuple[WideningStep, ...] = ()
    aging_per_minute: float = Field(default=0.0, ge=0)
    weight: int = 0
    offer_timeout_seconds: float | None = Field(default=30.0, gt=0)
    auto_accept: bool = False
    away_on_offer_timeout: bool = True
    wrap_up_seconds: float = Field(default=0.0, ge=0)
    sl_seconds: float = Field(default=20.0, ge=0)
    target_service_level: float = Field(default=0.8, gt=0, lt=1)
    expected_handle_seconds: float = Field(default=300.0, gt=0)
    max_waiting: int | None = Field(default=None, ge=0)
    overflow_queue: Identifier | None = None

    @property
    def skill_name(self) -> str:
        return self.skill or self.id

    @property
    def base_strategy(self) -> str:
        return self.sticky_fallback if self.strategy == "sticky" else self.strategy

    @model_validator(mode="after")
    def _consistent(self) -> QueueConfig:
        times = [step.after_seconds for step in self.widening]
        if times != sorted(times) or len(set(times)) != len(times):
            raise ValueError(f"queue {self.id}: widening steps must have increasing after_seconds")
        for step in self.widening[:-1]:
            if step.overflow_to is not None:
                raise ValueError(f"queue {self.id}: an overflow step must be the last one")
        level = self.min_proficiency
        for step in self.widening:
            if step.min_proficiency is not None:
                if step.min_proficiency >= level:
                    raise ValueError(
                        f"queue {self.id}: each widening step must lower min_proficiency"
                    )
                level = step.min_proficiency
        if self.strategy == "sticky" and self.sticky_seconds <= 0:
            raise ValueError(f"queue {self.id}: the sticky strategy needs sticky_seconds > 0")
        if self.max_waiting is not None and self.overflow_queue is None:
            raise ValueError(f"queue {self.id}: max_waiting needs an overflow_queue")
        return self


class BusinessHours(_Model):
    """Opening hours in a time zone: weekly ranges (end may pass midnight) minus holidays."""

    id: Identifier
    timezone: str = "UTC"
    weekly: dict[Weekday, tuple[tuple[time, time], ...]] = Field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("weekly")
    @classmethod
    def _ranges(
        cls, value: dict[Weekday, tuple[tuple[time, time], ...]]
    ) -> dict[Weekday, tuple[tuple[time, time], ...]]:
        for day, ranges in value.items():
            for start, end in ranges:
                if start == end:
                    raise ValueError(f"{day}: empty opening range {start}-{end}")
        return value

    def is_open(self, at: datetime | float) -> bool:
        """Whether the calendar is open at ``at`` (aware datetime or epoch seconds)."""
        zone = ZoneInfo(self.timezone)
        if isinstance(at, datetime):
            if at.tzinfo is None:
                raise InvalidInput("business hours need a timezone-aware datetime")
            local = at.astimezone(zone)
        else:
            local = datetime.fromtimestamp(at, zone)
        clock = local.time().replace(tzinfo=None)
        today = WEEKDAYS[local.weekday()]
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        if local.date() not in self.holidays:
            for start, end in self.weekly.get(today, ()):
                if start < end and start <= clock < end:
                    return True
                if start > end and clock >= start:  # opens today, closes after midnight
                    return True
        # The tail of yesterday's overnight range belongs to yesterday's opening day.
        if local.date() - timedelta(days=1) not in self.holidays:
            for start, end in self.weekly.get(yesterday, ()):
                if start > end and clock < end:
                    return True
        return False

    def describe(self) -> str:
        """The weekly hours as a customer reads them: ``mon-fri 09:00-18:00, sat 10:00-14:00``
        (days with the same hours joined; the time zone added when it is not UTC)."""
        runs: list[tuple[list[Weekday], str]] = []
        for day in WEEKDAYS:
            ranges = self.weekly.get(day, ())
            if not ranges:
                continue
            hours = " ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)
            previous = runs[-1] if runs else None
            if previous and previous[1] == hours and _follows(previous[0][-1], day):
                previous[0].append(day)
            else:
                runs.append(([day], hours))
        text = ", ".join(
            (days[0] if len(days) == 1 else f"{days[0]}-{days[-1]}") + f" {hours}"
            for days, hours in runs
        )
        return f"{text} ({self.timezone})" if text and self.timezone != "UTC" else text


def _follows(day: Weekday, nxt: Weekday) -> bool:
    return WEEKDAYS.index(nxt) == WEEKDAYS.index(day) + 1


class RoutingRule(_Model):
    """First matching rule chooses the queue (and may set the base priority).

    Every condition that is set must hold; within one condition any listed value matches.
    ``keywords`` match case-insensitively as substrings of the first message, which also
    works for Chinese text without word segmentation.
    """

    queue: Identifier
    priority: int | None = None
    channels: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    intents: frozenset[str] = frozenset()
    keywords: tuple[str, ...] = ()
    tags_any: frozenset[str] = frozenset()
    tags_all: frozenset[str] = frozenset()
    business_hours: Identifier | None = None
    when_open: bool = True

    @field_validator("keywords")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not word.strip() for word in value):
            raise ValueError("keywords must not be blank")
        return tuple(word.casefold() for word in value)


DEFAULT_CHANNEL_MEDIA: dict[str, str] = {"voice": "voice", "phone": "voice", "email": "email"}
DEFAULT_MEDIA_BLOCKS: dict[str, tuple[str, ...]] = {"voice": ("*",)}


class RoutingConfig(_Model):
    """The whole ACD setup for one workspace."""

    queues: tuple[QueueConfig, ...]
    default_queue: Identifier
    rules: tuple[RoutingRule, ...] = ()
    business_hours: tuple[BusinessHours, ...] = ()
    channel_media: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_CHANNEL_MEDIA))
    default_media: Identifier = "chat"
    media_blocks: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: dict(DEFAULT_MEDIA_BLOCKS)
    )
    position_update_seconds: float | None = Field(default=1.0, ge=0)
    eta_granularity_seconds: float = Field(default=5.0, gt=0)
    remembered_contacts: int = Field(default=50_000, ge=0)

    @model_validator(mode="after")
    def _references(self) -> RoutingConfig:
        ids = [queue.id for queue in self.queues]
        if not ids:
            raise ValueError("at least one queue is needed")
        if len(set(ids)) != len(ids):
            raise ValueError("queue ids must be unique")
        known = set(ids)
        calendars = {hours.id for hours in self.business_hours}
        if len(calendars) != len(self.business_hours):
            raise ValueError("business hours ids must be unique")
        if self.default_queue not in known:
            raise ValueError(f"default_queue {self.default_queue!r} is not a queue")
        for queue in self.queues:
            targets = [step.overflow_to for step in queue.widening if step.overflow_to]
            if queue.overflow_queue:
                targets.append(queue.overflow_queue)
            for target in targets:
                if target not in known:
                    raise ValueError(f"queue {queue.id}: overflow target {target!r} is unknown")
                if target == queue.id:
                    raise ValueError(f"queue {queue.id}: cannot overflow into itself")
        media = {queue.id: queue.media for queue in self.queues}
        for queue in self.queues:
            targets = [step.overflow_to for step in queue.widening if step.overflow_to]
            targets += [queue.overflow_queue] if queue.overflow_queue else []
            for target in targets:
                if media[target] != queue.media:
                    raise ValueError(
                        f"queue {queue.id}: overflow target {target!r} takes {media[target]}, "
                        f"not {queue.media}"
                    )
        for index, rule in enumerate(self.rules):
            if rule.queue not in known:
                raise ValueError(f"rule {index}: queue {rule.queue!r} is unknown")
            for channel in rule.channels:
                if self.media_for(channel) != media[rule.queue]:
                    raise ValueError(
                        f"rule {index}: channel {channel!r} carries {self.media_for(channel)} "
                        f"but queue {rule.queue!r} takes {media[rule.queue]}"
                    )
            if rule.business_hours is not None and rule.business_hours not in calendars:
                raise ValueError(f"rule {index}: business hours {rule.business_hours!r} unknown")
        return self

    def media_for(self, channel: str) -> str:
        return self.channel_media.get(channel, self.default_media)


class AgentSpec(_Model):
    """An agent as the engine needs it: skills with proficiency 1-10 and capacity per media."""

    id: Identifier
    skills: dict[str, Proficiency] = Field(default_factory=dict)
    capacity: dict[str, Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=lambda: {"chat": 3}
    )
    presence: SettablePresence = "offline"


def load_config(data: object) -> RoutingConfig:
    """Build a :class:`RoutingConfig` from plain data, raising InvalidInput on any problem."""
    try:
        return RoutingConfig.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(_describe(exc)) from exc


def load_agent(data: object) -> AgentSpec:
    """Build an :class:`AgentSpec` from plain data, raising InvalidInput on any problem."""
    try:
        return AgentSpec.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(_describe(exc)) from exc


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {error['msg']}" if where else str(error["msg"]))
    return "; ".join(parts)

"""Routing rules and business hours choose the queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from routing_desk import DeskFactory, queue

from kefu.core.errors import InvalidInput
from kefu.routing import BusinessHours, ConversationRequest, RoutingRule, load_config
from kefu.routing.rules import QueueSelector

SHANGHAI = ZoneInfo("Asia/Shanghai")
WARSAW = ZoneInfo("Europe/Warsaw")


def _at(year: int, month: int, day: int, hour: int, minute: int, zone: ZoneInfo) -> float:
    return datetime(year, month, day, hour, minute, tzinfo=zone).timestamp()


OFFICE = BusinessHours(
    id="office",
    timezone="Asia/Shanghai",
    weekly={day: ((time(9), time(18)),) for day in ("mon", "tue", "wed", "thu", "fri")},
    holidays=frozenset({date(2025, 10, 1)}),
)


def test_business_hours_in_the_calendar_time_zone() -> None:
    assert OFFICE.is_open(_at(2025, 9, 30, 9, 0, SHANGHAI))  # Tuesday 09:00 Shanghai
    assert not OFFICE.is_open(_at(2025, 9, 30, 8, 59, SHANGHAI))
    assert not OFFICE.is_open(_at(2025, 9, 30, 18, 0, SHANGHAI))  # closing time is exclusive
    assert not OFFICE.is_open(_at(2025, 10, 1, 10, 0, SHANGHAI))  # National Day holiday
    assert not OFFICE.is_open(_at(2025, 10, 4, 10, 0, SHANGHAI))  # Saturday
    # 02:00 UTC is 10:00 in Shanghai
    assert OFFICE.is_open(datetime(2025, 9, 30, 2, 0, tzinfo=UTC))


def test_business_hours_follow_daylight_saving() -> None:
    shop = BusinessHours(
        id="shop", timezone="Europe/Warsaw", weekly={"sun": ((time(9), time(17)),)}
    )
    # 09:30 local both days; UTC+1 in winter, UTC+2 in summer
    assert shop.is_open(datetime(2025, 1, 5, 8, 30, tzinfo=UTC))
    assert shop.is_open(datetime(2025, 7, 6, 7, 30, tzinfo=UTC))
    assert not shop.is_open(datetime(2025, 1, 5, 7, 30, tzinfo=UTC))


def test_overnight_range_belongs_to_the_day_it_opened() -> None:
    night = BusinessHours(
        id="night",
        timezone="Europe/Warsaw",
        weekly={"fri": ((time(22), time(2)),)},
        holidays=frozenset({date(2025, 3, 14)}),
    )
    assert night.is_open(_at(2025, 3, 7, 23, 0, WARSAW))  # Friday night
    assert night.is_open(_at(2025, 3, 8, 1, 30, WARSAW))  # small hours of Saturday
    assert not night.is_open(_at(2025, 3, 8, 2, 0, WARSAW))
    assert not night.is_open(_at(2025, 3, 14, 23, 0, WARSAW))  # holiday Friday
    assert not night.is_open(_at(2025, 3, 15, 1, 0, WARSAW))  # ... and its small hours


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(InvalidInput):
        OFFICE.is_open(datetime(2025, 9, 30, 10, 0))


def _config() -> dict[str, object]:
    return {
        "queues": [
            {"id": "general"},
            {"id": "vip"},
            {"id": "refunds"},
            {"id": "polish"},
            {"id": "after_hours"},
            {"id": "voice", "media": "voice"},
        ],
        "default_queue": "general",
        "business_hours": [OFFICE.model_dump()],
        "rules": [
            {"queue": "after_hours", "business_hours": "office", "when_open": False},
            {"queue": "voice", "channels": ["voice"]},
            {"queue": "vip", "tags_any": ["vip"], "priority": 10},
            {"queue": "refunds", "intents": ["refund"]},
            {"queue": "refunds", "keywords": ["退款", "Refund", "zwrot"]},
            {"queue": "polish", "languages": ["pl"]},
        ],
    }


OPEN = _at(2025, 9, 30, 10, 0, SHANGHAI)
CLOSED = _at(2025, 9, 30, 20, 0, SHANGHAI)


@pytest.mark.parametrize(
    ("request_kwargs", "at", "expected", "priority"),
    [
        ({}, OPEN, "general", 0),
        ({}, CLOSED, "after_hours", 0),
        ({"channel": "voice"}, OPEN, "voice", 0),
        ({"tags": frozenset({"vip", "new"})}, OPEN, "vip", 10),
        ({"tags": frozenset({"vip"}), "priority": 3}, OPEN, "vip", 3),
        ({"intent": "refund"}, OPEN, "refunds", 0),
        ({"text": "我想申请退款"}, OPEN, "refunds", 0),
        ({"text": "I want a REFUND please"}, OPEN, "refunds", 0),
        ({"language": "pl-PL"}, OPEN, "polish", 0),
        ({"language": "pt-BR"}, OPEN, "general", 0),
        ({"queue_id": "vip"}, CLOSED, "vip", 0),
    ],
)
def test_first_matching_rule_wins(
    request_kwargs: dict[str, object], at: float, expected: str, priority: int
) -> None:
    selector = QueueSelector(load_config(_config()))
    choice = selector.choose(ConversationRequest(id="c", **request_kwargs), at)  # type: ignore[arg-type]
    assert (choice.queue_id, choice.priority) == (expected, priority)


def test_all_conditions_of_a_rule_must_hold() -> None:
    config = load_config(
        {
            "queues": [{"id": "general"}, {"id": "vip_refunds"}],
            "default_queue": "general",
            "rules": [{"queue": "vip_refunds", "tags_all": ["vip", "paid"], "intents": ["refund"]}],
        }
    )
    selector = QueueSelector(config)
    both = ConversationRequest(id="c", tags=frozenset({"vip", "paid"}), intent="refund")
    one_tag = ConversationRequest(id="c", tags=frozenset({"vip"}), intent="refund")
    assert selector.choose(both, OPEN).queue_id == "vip_refunds"
    assert selector.choose(one_tag, OPEN).queue_id == "general"


def test_engine_routes_by_rules(make_desk: DeskFactory) -> None:
    rules = (RoutingRule(queue="vip", tags_any=frozenset({"vip"}), priority=10),)
    desk = make_desk(queues=[queue("general"), queue("vip")], rules=rules)
    assert desk.enqueue("c1", tags=frozenset({"vip"})) == "vip"
    assert desk.engine.conversation_status("c1").priority == 10
    assert desk.enqueue("c2") == "general"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"queues": [], "default_queue": "x"}, "at least one queue"),
        ({"queues": [{"id": "a"}, {"id": "a"}], "default_queue": "a"}, "unique"),
        ({"queues": [{"id": "a"}], "default_queue": "b"}, "default_queue"),
        (
            {"queues": [{"id": "a"}], "default_queue": "a", "rules": [{"queue": "zz"}]},
            "unknown",
        ),
        (
            {
                "queues": [{"id": "a", "widening": [{"after_seconds": 5, "overflow_to": "b"}]}],
                "default_queue": "a",
            },
            "overflow target",
        ),
        (
            {
                "queues": [
                    {
                        "id": "a",
                        "min_proficiency": 5,
                        "widening": [{"after_seconds": 5, "min_proficiency": 7}],
                    }
                ],
                "default_queue": "a",
            },
            "lower",
        ),
        ({"queues": [{"id": "a", "strategy": "sticky"}], "default_queue": "a"}, "sticky"),
        ({"queues": [{"id": "a", "strategy": "random"}], "default_queue": "a"}, "strategy"),
        (
            {
                "queues": [{"id": "a"}],
                "default_queue": "a",
                "business_hours": [{"id": "h", "timezone": "Mars/Olympus"}],
            },
            "time zone",
        ),
        ({"queues": [{"id": "a", "max_waiting": 3}], "default_queue": "a"}, "overflow_queue"),
        (
            {
                "queues": [
                    {"id": "a", "max_waiting": 3, "overflow_queue": "v"},
                    {"id": "v", "media": "voice"},
                ],
                "default_queue": "a",
            },
            "takes voice",
        ),
        (
            {
                "queues": [{"id": "a"}],
                "default_queue": "a",
                "rules": [{"queue": "a", "channels": ["voice"]}],
            },
            "carries voice",
        ),
    ],
)
def test_bad_configuration_is_one_clear_error(config: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_config(config)

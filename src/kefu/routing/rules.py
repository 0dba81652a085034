"""Routing rules: which queue a conversation joins, and with what base priority."""

from __future__ import annotations

from dataclasses import dataclass

from kefu.core.errors import InvalidInput
from kefu.routing.config import BusinessHours, RoutingConfig, RoutingRule
from kefu.routing.model import ConversationRequest


@dataclass(frozen=True, slots=True)
class QueueChoice:
    queue_id: str
    priority: int
    rule_index: int | None  # None: explicit queue or the default queue


class QueueSelector:
    """Evaluates the rules in order; the first rule whose every condition holds wins."""

    def __init__(self, config: RoutingConfig) -> None:
        self._config = config
        self._calendars: dict[str, BusinessHours] = {h.id: h for h in config.business_hours}
        self._queues = {queue.id for queue in config.queues}

    def choose(self, request: ConversationRequest, at: float) -> QueueChoice:
        if request.queue_id is not None:
            if request.queue_id not in self._queues:
                raise InvalidInput(f"unknown queue {request.queue_id!r}")
            return QueueChoice(request.queue_id, request.priority or 0, None)
        text = request.text.casefold()
        for index, rule in enumerate(self._config.rules):
            if self._matches(rule, request, text, at):
                priority = request.priority
                if priority is None:
                    priority = rule.priority or 0
                return QueueChoice(rule.queue, priority, index)
        return QueueChoice(self._config.default_queue, request.priority or 0, None)

    def is_open(self, calendar_id: str, at: float) -> bool:
        calendar = self._calendars.get(calendar_id)
        if calendar is None:
            raise InvalidInput(f"unknown business hours {calendar_id!r}")
        return calendar.is_open(at)

    def _matches(
        self, rule: RoutingRule, request: ConversationRequest, text: str, at: float
    ) -> bool:
        if rule.channels and request.channel not in rule.channels:
            return False
        if rule.languages and not _language_matches(rule.languages, request.language):
            return False
        if rule.intents and request.intent not in rule.intents:
            return False
        if rule.keywords and not any(word in text for word in rule.keywords):
            return False
        if rule.tags_any and not (rule.tags_any & request.tags):
            return False
        if rule.tags_all and not rule.tags_all <= request.tags:
            return False
        if rule.business_hours is not None:
            return self.is_open(rule.business_hours, at) == rule.when_open
        return True


def _language_matches(wanted: frozenset[str], language: str | None) -> bool:
    """``zh`` in a rule matches ``zh-CN`` and ``zh-TW``; ``zh-CN`` matches only itself."""
    if language is None:
        return False
    lang = language.casefold()
    primary = lang.split("-", 1)[0]
    return any(w.casefold() in (lang, primary) for w in wanted)

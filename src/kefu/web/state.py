"""What the running app holds: settings, database, bus and the real-time hubs."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kefu.bot.runner import BotRunner
from kefu.bus.backend import InProcessBus
from kefu.bus.outbox import PublishedMarker
from kefu.channels.webhooks import WebhookWorker
from kefu.compliance.gate import ComplianceGate
from kefu.conversations.service import Limits
from kefu.core.settings import Settings
from kefu.routing.desk import Desk
from kefu.web.realtime import AgentHub, WidgetHub


@dataclass(slots=True)
class AppState:
    settings: Settings
    gate: ComplianceGate
    published: PublishedMarker
    engine: Engine
    factory: sessionmaker[Session]
    bus: InProcessBus
    agents: AgentHub
    widgets: WidgetHub
    webhooks: WebhookWorker
    desk: Desk
    bot: BotRunner

    @property
    def limits(self) -> Limits:
        return Limits(max_message_bytes=self.settings.max_message_bytes)

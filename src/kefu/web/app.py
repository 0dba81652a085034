"""The application factory: builds the database, bus, hubs and workers, and wires the routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy.orm import Session

import kefu
from kefu.bot.dialogue import ShopConnector, UnconnectedShop
from kefu.bot.nlu import ModelRegistry, NluSettings, SentenceTransformerEncoder
from kefu.bot.runner import BotRunner
from kefu.bus import outbox
from kefu.bus.backend import InProcessBus
from kefu.bus.events import Envelope, parse_event
from kefu.channels.webhooks import RetryPolicy, WebhookWorker
from kefu.compliance.gate import ComplianceGate
from kefu.compliance.setup import bind_encryption
from kefu.core.clock import utcnow
from kefu.core.settings import Settings
from kefu.routing.desk import Desk, load_workspace_config
from kefu.store.db import make_engine, make_session_factory, transaction
from kefu.web import errors
from kefu.web.api import admin, auth, bot, channels, conversations, routing
from kefu.web.middleware import BodyLimit, SecurityHeaders
from kefu.web.pages import build_pages_router
from kefu.web.realtime import AgentHub, WidgetHub
from kefu.web.state import AppState
from kefu.web.ws import router as ws_router

log = logging.getLogger(__name__)

ShopProvider = Callable[[str], ShopConnector]


def business_hours(session: Session, workspace_id: str) -> tuple[bool, str]:
    """Open now, and the hours in words, from the workspace's first routing calendar (routing
    owns business hours; without a calendar the desk is always open)."""
    calendars = load_workspace_config(session, workspace_id).business_hours
    if not calendars:
        return True, ""
    return calendars[0].is_open(utcnow()), calendars[0].describe()


def _no_shop(_workspace_id: str) -> ShopConnector:
    return UnconnectedShop()


def model_registry(settings: Settings) -> ModelRegistry:
    """The intent models' registry under the data dir, with the optional encoder if one is
    configured (KEFU_NLU_ENCODER_DIR). A misconfigured encoder stops start-up with a clear
    error instead of failing on the first customer message."""
    encoder = None
    if settings.nlu_encoder_dir is not None:
        encoder = SentenceTransformerEncoder(settings.nlu_encoder_dir)
        encoder.require_package()
    return ModelRegistry(
        settings.data_dir / "models",
        settings=NluSettings(encoder_weight=settings.nlu_encoder_weight),
        encoder=encoder,
    )


def build_state(
    settings: Settings,
    *,
    gate: ComplianceGate | None,
    webhook_transport: httpx.AsyncBaseTransport | None,
    shops: ShopProvider | None = None,
    models: ModelRegistry | None = None,
) -> AppState:
    bind_encryption(settings)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    bus = InProcessBus()
    outbox.bind(factory, bus)
    widgets = WidgetHub()
    gate = gate if gate is not None else ComplianceGate()
    state = AppState(
        settings=settings,
        gate=gate,
        published=outbox.PublishedMarker(factory),
        engine=engine,
        factory=factory,
        bus=bus,
        agents=AgentHub(),
        widgets=widgets,
        desk=Desk(factory, notify_queue=widgets.queue_position),
        webhooks=WebhookWorker(
            factory,
            policy=RetryPolicy(
                max_attempts=settings.webhook_max_attempts,
                base_seconds=settings.webhook_backoff_base_seconds,
            ),
            timeout_seconds=settings.webhook_timeout_seconds,
            transport=webhook_transport,
        ),
        bot=BotRunner(
            factory,
            models if models is not None else model_registry(settings),
            gate=gate,
            connectors=shops or _no_shop,
            hours=business_hours,
        ),
    )
    bus.subscribe(state.agents.on_event)
    bus.subscribe(state.widgets.on_event)
    bus.subscribe(state.webhooks.on_event)
    bus.subscribe(state.desk.on_event)
    bus.subscribe(state.bot.on_event)

    bus.delivered = state.published.delivered
    return state


async def _republish_unpublished(state: AppState) -> None:
    """Events committed by an earlier process that died before publishing them."""

    def _read() -> list[Envelope]:
        with transaction(state.factory) as session:
            return [
                Envelope(outbox_id=row.id, event=parse_event(row.payload))
                for row in outbox.unpublished(session)
            ]

    envelopes = await to_thread.run_sync(_read)
    if envelopes:
        log.info("republishing %d events left unpublished", len(envelopes))
        state.bus.publish(envelopes)


def create_app(
    settings: Settings,
    *,
    gate: ComplianceGate | None = None,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
    shops: ShopProvider | None = None,
    models: ModelRegistry | None = None,
) -> FastAPI:
    """The Kefu app; ``gate`` may be shared between apps in one process (it is immutable).

    ``shops`` gives each workspace's shop connector (orders, bookings, courses, products);
    without one the bot hands order questions to a person. ``models`` is the intent models'
    registry (default: under the data dir).
    """
    state = build_state(
        settings, gate=gate, webhook_transport=webhook_transport, shops=shops, models=models
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await state.bus.start()
        await _republish_unpublished(state)
        await state.webhooks.start()
        await state.published.start()
        try:
            yield
        finally:
            await state.webhooks.stop()
            await state.bus.stop()
            await state.desk.stop()
            await state.bot.stop()
            await to_thread.run_sync(lambda: state.bot.registry.close(wait=False))
            await state.published.stop()
            state.engine.dispose()

    app = FastAPI(
        title="Kefu",
        version=kefu.__version__,
        description="Omnichannel AI customer service. Websockets: see docs/protocol.md.",
        lifespan=lifespan,
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.kefu = state
    errors.install(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, str]:
        with transaction(state.factory) as session:
            session.execute(outbox.OutboxRow.__table__.select().limit(1))
        return {"status": "ok", "version": kefu.__version__}

    for router in (
        auth.router,
        conversations.router,
        admin.router,
        bot.router,
        channels.router,
        routing.router,
    ):
        app.include_router(router)
    app.include_router(ws_router)
    app.include_router(build_pages_router())
    return app

"""The application factory: builds the database, bus, hubs and workers, and wires the routers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from anyio import to_thread
from fastapi import FastAPI

import kefu
from kefu.bus import outbox
from kefu.bus.backend import InProcessBus
from kefu.bus.events import Envelope, parse_event
from kefu.channels.webhooks import RetryPolicy, WebhookWorker
from kefu.compliance.gate import ComplianceGate
from kefu.compliance.setup import bind_encryption
from kefu.core.settings import Settings
from kefu.routing.desk import Desk
from kefu.store.db import make_engine, make_session_factory, transaction
from kefu.web import errors
from kefu.web.api import admin, auth, channels, conversations, routing
from kefu.web.middleware import BodyLimit, SecurityHeaders
from kefu.web.pages import build_pages_router
from kefu.web.realtime import AgentHub, WidgetHub
from kefu.web.state import AppState
from kefu.web.ws import router as ws_router

log = logging.getLogger(__name__)


def build_state(
    settings: Settings,
    *,
    gate: ComplianceGate | None,
    webhook_transport: httpx.AsyncBaseTransport | None,
) -> AppState:
    bind_encryption(settings)
    engine = make_engine(settings.database_url)
    factory = make_session_factory(engine)
    bus = InProcessBus()
    outbox.bind(factory, bus)
    widgets = WidgetHub()
    state = AppState(
        settings=settings,
        gate=gate if gate is not None else ComplianceGate(),
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
    )
    bus.subscribe(state.agents.on_event)
    bus.subscribe(state.widgets.on_event)
    bus.subscribe(state.webhooks.on_event)
    bus.subscribe(state.desk.on_event)

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
) -> FastAPI:
    """The Kefu app; ``gate`` may be shared between apps in one process (it is immutable)."""
    state = build_state(settings, gate=gate, webhook_transport=webhook_transport)

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
        channels.router,
        routing.router,
    ):
        app.include_router(router)
    app.include_router(ws_router)
    app.include_router(build_pages_router())
    return app

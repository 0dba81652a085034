"""Shared fixtures: a fresh database per test (SQLite file, or a PostgreSQL schema when
KEFU_TEST_DATABASE_URL is set), the real app served by uvicorn on a free port, and seed data
made through the real service functions.

``live_server`` (used by the browser tests) = ``server`` + ``seed``: ``live_server.url`` and
``live_server.seed`` with ``workspace_id``, ``inbox_token`` (web inbox), ``api_inbox_token``,
``agent_email``/``agent_password``, ``agent2_email``/``agent2_password``,
``supervisor_email``/``supervisor_password``, ``admin_email``/``admin_password``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from kefu.core.settings import Settings
from kefu.store.db import make_engine, make_session_factory, transaction
from kefu.store.migrate import upgrade

PG_ENV = "KEFU_TEST_DATABASE_URL"

# Intent models trained in this run, by knowledge-base fingerprint: every test that imports the
# same pack shares one training (seconds each on two cores) instead of repeating it.
_TRAINED: dict[str, Any] = {}
_TRAINING: dict[str, threading.Lock] = {}
_TRAINING_GUARD = threading.Lock()


def cached_train(kb: Any, **options: Any) -> Any:
    """Train once per knowledge base; concurrent callers (background rebuilds of several test
    servers) wait for the first instead of training the same thing again."""
    from kefu.bot.nlu import train

    key = kb.fingerprint()
    with _TRAINING_GUARD:
        lock = _TRAINING.setdefault(key, threading.Lock())
    with lock:
        if key not in _TRAINED:
            _TRAINED[key] = train(kb, **options)
    return _TRAINED[key]


def make_test_shop() -> Any:
    """The shop the test server's bot looks orders up in."""
    from kefu.bot.dialogue import InMemoryShop, Order

    order = Order("KF-10234", "shipped", "DPD", "0034 5678", "Friday", "149 PLN")
    return InMemoryShop(orders={order.number: order})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    pg = os.environ.get(PG_ENV)
    if not pg:
        yield f"sqlite:///{tmp_path / 'kefu.db'}"
        return
    schema = "t_" + secrets.token_hex(6)
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg else "?"
    try:
        yield f"{pg}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=secrets.token_urlsafe(48),
        data_dir=tmp_path / "data",
        webhook_max_attempts=3,
        webhook_backoff_base_seconds=0.05,
        webhook_timeout_seconds=2.0,
    )


@pytest.fixture(scope="session")
def gate() -> Any:
    """One compiled compliance gate for the whole run (it is immutable and thread-safe)."""
    from kefu.compliance.gate import ComplianceGate

    return ComplianceGate()


@pytest.fixture
def factory(settings: Settings) -> Iterator[sessionmaker[Session]]:
    from kefu.compliance.columns import default_keyring
    from kefu.compliance.setup import bind_encryption

    bind_encryption(settings)
    upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    yield make_session_factory(engine)
    engine.dispose()
    default_keyring.reset()


@dataclass
class Seed:
    workspace_id: str
    inbox_id: str
    inbox_token: str
    inbox_secret: str
    api_inbox_id: str
    api_inbox_token: str
    api_inbox_secret: str
    admin_email: str
    admin_password: str
    supervisor_email: str
    supervisor_password: str
    agent_email: str
    agent_password: str
    agent_id: str
    agent2_email: str
    agent2_password: str
    agent2_id: str
    # A second tenant, to prove isolation.
    other_workspace_id: str
    other_inbox_token: str
    other_agent_email: str
    other_agent_password: str


def make_seed(factory: sessionmaker[Session], *, webhook_url: str | None = None) -> Seed:
    from kefu.agents.service import create_agent
    from kefu.workspaces.service import create_inbox, create_workspace

    pw = {k: secrets.token_urlsafe(12) for k in ("admin", "sup", "a1", "a2", "other")}
    with transaction(factory) as s:
        ws = create_workspace(s, name="Sklep Testowy", slug="test-shop")
        web = create_inbox(s, workspace_id=ws.id, name="Web chat", channel="web", greeting="Hello!")
        api = create_inbox(
            s, workspace_id=ws.id, name="API", channel="api", webhook_url=webhook_url
        )
        create_agent(
            s,
            workspace_id=ws.id,
            email="admin@shop.test",
            name="Ada Admin",
            password=pw["admin"],
            role="admin",
        )
        create_agent(
            s,
            workspace_id=ws.id,
            email="sup@shop.test",
            name="Sam Supervisor",
            password=pw["sup"],
            role="supervisor",
        )
        a1 = create_agent(
            s,
            workspace_id=ws.id,
            email="agent@shop.test",
            name="Ala Agent",
            password=pw["a1"],
            inbox_ids=[web.id, api.id],
        )
        # agent2 can see the API inbox only: the web inbox is not theirs.
        a2 = create_agent(
            s,
            workspace_id=ws.id,
            email="agent2@shop.test",
            name="Bartek Agent",
            password=pw["a2"],
            inbox_ids=[api.id],
        )
        other = create_workspace(s, name="Other Shop", slug="other-shop")
        other_web = create_inbox(s, workspace_id=other.id, name="Their chat", channel="web")
        create_agent(
            s,
            workspace_id=other.id,
            email="agent@other.test",
            name="Olga Other",
            password=pw["other"],
            role="admin",
        )
        return Seed(
            workspace_id=ws.id,
            inbox_id=web.id,
            inbox_token=web.token,
            inbox_secret=web.secret,
            api_inbox_id=api.id,
            api_inbox_token=api.token,
            api_inbox_secret=api.secret,
            admin_email="admin@shop.test",
            admin_password=pw["admin"],
            supervisor_email="sup@shop.test",
            supervisor_password=pw["sup"],
            agent_email="agent@shop.test",
            agent_password=pw["a1"],
            agent_id=a1.id,
            agent2_email="agent2@shop.test",
            agent2_password=pw["a2"],
            agent2_id=a2.id,
            other_workspace_id=other.id,
            other_inbox_token=other_web.token,
            other_agent_email="agent@other.test",
            other_agent_password=pw["other"],
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RunningServer:
    """The real Kefu app under uvicorn in a background thread."""

    def __init__(self, settings: Settings, gate: Any = None) -> None:
        from kefu.bot.nlu import ModelRegistry
        from kefu.web.app import create_app

        shop = make_test_shop()
        self.app = create_app(
            settings,
            gate=gate,
            shops=lambda _workspace_id: shop,
            models=ModelRegistry(settings.data_dir / "models", trainer=cached_train),
        )
        self.state: Any = self.app.state.kefu
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", ws="websockets-sansio"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def settle(self, timeout: float = 60.0) -> None:
        """Wait until the bus has delivered every event and the bot finished every turn they
        started (and the events of those turns), so a test can assert what did not happen."""
        import asyncio

        async def _settle() -> None:
            for _ in range(20):
                await self.state.bus.drain()
                if not self.state.bot.busy():
                    return
                await self.state.bot.idle()

        loop = self.state.bus._loop
        assert loop is not None, "the server is not running"
        asyncio.run_coroutine_threadsafe(_settle(), loop).result(timeout)

    def login(self, email: str, password: str) -> str:
        r = httpx.post(f"{self.url}/api/v1/auth/login", json={"email": email, "password": password})
        r.raise_for_status()
        return str(r.json()["token"])

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)


@pytest.fixture
def server(
    settings: Settings, factory: sessionmaker[Session], gate: Any
) -> Iterator[RunningServer]:
    running = RunningServer(settings, gate)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def seed(factory: sessionmaker[Session]) -> Seed:
    return make_seed(factory)


@dataclass
class LiveServer:
    url: str
    ws_url: str
    seed: Seed
    server: RunningServer


@pytest.fixture
def live_server(server: RunningServer, seed: Seed) -> LiveServer:
    return LiveServer(url=server.url, ws_url=server.ws_url, seed=seed, server=server)


class JsonSocket:
    """A real websocket client (the ``websockets`` library) speaking JSON frames."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        from websockets.sync.client import connect

        self.conn = connect(url, additional_headers=headers or {}, open_timeout=10).__enter__()

    def send(self, frame: dict[str, Any]) -> None:
        import json

        self.conn.send(json.dumps(frame))

    def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        import json

        return dict(json.loads(self.conn.recv(timeout=timeout)))

    def recv_until(self, frame_type: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(timeout=max(0.01, deadline - time.monotonic()))
            if frame["type"] == frame_type:
                return frame

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def open_widget(server: RunningServer) -> Iterator[Any]:
    sockets: list[JsonSocket] = []

    def _open(
        inbox_token: str,
        *,
        visitor_token: str | None = None,
        last_seq: int | None = None,
        identity: dict[str, str] | None = None,
    ) -> tuple[JsonSocket, dict[str, Any]]:
        sock = JsonSocket(f"{server.ws_url}/ws/widget?inbox={inbox_token}")
        sockets.append(sock)
        sock.send(
            {
                "type": "hello",
                "visitor_token": visitor_token,
                "last_seq": last_seq,
                "identity": identity,
            }
        )
        return sock, sock.recv()

    yield _open
    for sock in sockets:
        with contextlib.suppress(Exception):  # already closed by the test
            sock.close()


@pytest.fixture
def open_agent_socket(server: RunningServer) -> Iterator[Any]:
    sockets: list[JsonSocket] = []

    def _open(token: str, *, last_event_id: int | None = None) -> tuple[JsonSocket, dict[str, Any]]:
        sock = JsonSocket(f"{server.ws_url}/ws/agent", {"Authorization": f"Bearer {token}"})
        sockets.append(sock)
        sock.send({"type": "hello", "last_event_id": last_event_id})
        return sock, sock.recv()

    yield _open
    for sock in sockets:
        with contextlib.suppress(Exception):  # already closed by the test
            sock.close()

"""Core-loop throughput and latency: inbound messages through the API channel and through the
widget websocket until they reach an agent's websocket, beside a bare websocket echo server
measured in the same run on the same machine; and server memory per 1,000 idle widget
connections (beside the echo server's memory for 1,000 idle connections).

    .venv/bin/python bench/core_loop.py [--messages 600] [--concurrency 8] [--idle 1000]

Kefu runs as it does in production: a separate uvicorn process on SQLite (WAL) in a temporary
directory; the load generator is this process. Every client is closed-loop, like the echo
client: it sends its next message once the previous one has reached the agent's websocket (for
the echo server: once the echo came back), so the latencies are service times, not queueing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets

ROOT = Path(__file__).resolve().parent.parent

ECHO_SERVER = """
import asyncio, sys, websockets
async def echo(ws):
    async for message in ws:
        await ws.send(message)
async def main():
    async with websockets.serve(echo, "127.0.0.1", int(sys.argv[1]), max_size=2**20):
        print("ready", flush=True)
        await asyncio.Future()
asyncio.run(main())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(name: str, r: dict[str, float], ratio: float) -> str:
    return f"{name:<44}{r['rate']:>9.0f}{r['p50']:>9.2f}{r['p99']:>9.2f}{ratio:>14.3f}"


def rss(pid: int) -> int:
    return int(psutil.Process(pid).memory_info().rss)


# ---------------------------------------------------------------- the echo baseline


async def echo_run(port: int, n: int, concurrency: int) -> dict[str, float]:
    latencies: list[float] = []
    per_worker = n // concurrency

    async def worker(w: int) -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}") as ws:
            for i in range(per_worker):
                t0 = time.perf_counter()
                await ws.send(
                    json.dumps(
                        {"type": "message", "client_id": f"{w}-{i}", "text": "dzień dobry 你好"}
                    )
                )
                await ws.recv()
                latencies.append((time.perf_counter() - t0) * 1000)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return {"rate": len(latencies) / elapsed, "p50": pct(latencies, 50), "p99": pct(latencies, 99)}


async def idle_connections(url: str, count: int, hello: dict[str, Any] | None) -> list[Any]:
    conns = []
    for _ in range(count):
        ws = await websockets.connect(url)
        if hello is not None:
            await ws.send(json.dumps(hello))
            await ws.recv()
        conns.append(ws)
    return conns


# ---------------------------------------------------------------- Kefu


def start_kefu(tmp: Path, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        KEFU_DATABASE_URL=f"sqlite:///{tmp / 'bench.db'}",
        KEFU_SECRET_KEY=secrets.token_urlsafe(48),
        KEFU_DATA_DIR=str(tmp),
    )
    subprocess.run(
        [sys.executable, "-m", "kefu", "db", "upgrade"], env=env, check=True, capture_output=True
    )
    seed = subprocess.run(
        [sys.executable, "-c", SEED], env=env, check=True, capture_output=True, text=True
    )
    (tmp / "seed.json").write_text(seed.stdout)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "kefu.web.bench_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--ws",
            "websockets-sansio",
        ],
        env=env,
    )


SEED = """
import json
from kefu.core.settings import Settings
from kefu.store.db import make_engine, make_session_factory, transaction
from kefu.workspaces.service import create_workspace, create_inbox
from kefu.agents.service import create_agent, create_api_key, login
s = Settings()
f = make_session_factory(make_engine(s.database_url))
with transaction(f) as x:
    ws = create_workspace(x, name="Bench", slug="bench")
    web = create_inbox(x, workspace_id=ws.id, name="web", channel="web")
    api = create_inbox(x, workspace_id=ws.id, name="api", channel="api")
    create_agent(x, workspace_id=ws.id, email="a@bench.test", name="A",
                 password="bench-password-1", role="admin")
    _, key = create_api_key(x, workspace_id=ws.id, name="bench")
with transaction(f) as x:
    _, token = login(x, email="a@bench.test", password="bench-password-1", ttl_seconds=3600)
print(json.dumps({"web": web.token, "api": api.token, "key": key, "agent": token}))
"""


async def agent_listener(
    port: int,
    token: str,
    arrivals: dict[str, float],
    ready: asyncio.Event,
    waiters: dict[str, asyncio.Future[None]],
) -> None:
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/agent",
        additional_headers={"Authorization": f"Bearer {token}"},
        max_size=2**22,
    ) as ws:
        await ws.send(json.dumps({"type": "hello", "last_event_id": None}))
        await ws.recv()
        ready.set()
        async for raw in ws:
            frame = json.loads(raw)
            event = frame.get("event", {})
            if event.get("type") == "message.created":
                text = event["message"]["text"]
                arrivals[text] = time.perf_counter()
                waiter = waiters.pop(text, None)
                if waiter is not None and not waiter.done():
                    waiter.set_result(None)


async def kefu_api_run(
    port: int, seed: dict[str, str], n: int, concurrency: int
) -> dict[str, float]:
    arrivals: dict[str, float] = {}
    sent: dict[str, float] = {}
    ready = asyncio.Event()
    waiters: dict[str, asyncio.Future[None]] = {}
    listener = asyncio.create_task(agent_listener(port, seed["agent"], arrivals, ready, waiters))
    await ready.wait()
    url = f"http://127.0.0.1:{port}/api/v1/channels/api/{seed['api']}/messages"
    headers = {"Authorization": f"Bearer {seed['key']}"}
    per_worker = n // concurrency

    async def worker(w: int, client: httpx.AsyncClient) -> None:
        for i in range(per_worker):
            text = f"api {w}-{i} dzień dobry 你好"
            waiters[text] = asyncio.get_running_loop().create_future()
            sent[text] = time.perf_counter()
            r = await client.post(
                url,
                json={"sender": {"id": f"customer-{w}-{i % 5}"}, "text": text},
                headers={**headers, "Idempotency-Key": f"{w}-{i}"},
            )
            r.raise_for_status()
            await asyncio.wait_for(waiters.get(text) or asyncio.sleep(0), timeout=30)

    t0 = time.perf_counter()
    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(*(worker(w, client) for w in range(concurrency)))
    await _wait_all(arrivals, sent)
    elapsed = max(arrivals.values()) - t0
    listener.cancel()
    lat = [(arrivals[t] - sent[t]) * 1000 for t in sent]
    return {"rate": len(sent) / elapsed, "p50": pct(lat, 50), "p99": pct(lat, 99)}


async def kefu_widget_run(
    port: int, seed: dict[str, str], n: int, concurrency: int
) -> dict[str, float]:
    arrivals: dict[str, float] = {}
    sent: dict[str, float] = {}
    ready = asyncio.Event()
    waiters: dict[str, asyncio.Future[None]] = {}
    listener = asyncio.create_task(agent_listener(port, seed["agent"], arrivals, ready, waiters))
    await ready.wait()
    per_worker = n // concurrency

    async def worker(w: int) -> None:
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/widget?inbox={seed['web']}") as ws:
            await ws.send(json.dumps({"type": "hello", "visitor_token": None, "last_seq": None}))
            await ws.recv()
            for i in range(per_worker):
                text = f"widget {w}-{i} dzień dobry 你好"
                waiters[text] = asyncio.get_running_loop().create_future()
                sent[text] = time.perf_counter()
                await ws.send(
                    json.dumps({"type": "message", "client_id": f"{w}-{i}", "text": text})
                )
                while json.loads(await ws.recv())["type"] != "ack":
                    pass
                await asyncio.wait_for(waiters.get(text) or asyncio.sleep(0), timeout=30)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    await _wait_all(arrivals, sent)
    elapsed = max(arrivals.values()) - t0
    listener.cancel()
    lat = [(arrivals[t] - sent[t]) * 1000 for t in sent]
    return {"rate": len(sent) / elapsed, "p50": pct(lat, 50), "p99": pct(lat, 99)}


async def _wait_all(
    arrivals: dict[str, float], sent: dict[str, float], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while not all(t in arrivals for t in sent):
        if time.monotonic() > deadline:
            missing = sum(t not in arrivals for t in sent)
            raise RuntimeError(f"{missing} messages never reached the agent's websocket")
        await asyncio.sleep(0.01)


async def main_async(args: argparse.Namespace) -> None:
    echo_port, kefu_port = free_port(), free_port()
    echo = subprocess.Popen(
        [sys.executable, "-c", ECHO_SERVER, str(echo_port)], stdout=subprocess.PIPE
    )
    tmp = Path(tempfile.mkdtemp(prefix="kefu-bench-"))
    kefu = start_kefu(tmp, kefu_port)
    try:
        wait_port(echo_port)
        wait_port(kefu_port)
        seed = json.loads((tmp / "seed.json").read_text())
        base = await echo_run(echo_port, args.messages, args.concurrency)
        api = await kefu_api_run(kefu_port, seed, args.messages, args.concurrency)
        wid = await kefu_widget_run(kefu_port, seed, args.messages, args.concurrency)

        echo_before = rss(echo.pid)
        echo_conns = await idle_connections(f"ws://127.0.0.1:{echo_port}", args.idle, None)
        await asyncio.sleep(0.5)
        echo_mem = (rss(echo.pid) - echo_before) / args.idle * 1000
        kefu_before = rss(kefu.pid)
        hello = {"type": "hello", "visitor_token": None, "last_seq": None}
        kefu_conns = await idle_connections(
            f"ws://127.0.0.1:{kefu_port}/ws/widget?inbox={seed['web']}", args.idle, hello
        )
        await asyncio.sleep(0.5)
        kefu_mem = (rss(kefu.pid) - kefu_before) / args.idle * 1000
        for ws in echo_conns + kefu_conns:
            await ws.close()
    finally:
        for proc in (echo, kefu):
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)

    print(f"{'path':<44}{'msgs/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'rate vs echo':>14}")
    print(row("bare websocket echo (baseline)", base, 1.0))
    for name, r in (
        ("API channel POST -> agent websocket", api),
        ("widget websocket -> agent websocket", wid),
    ):
        print(row(name, r, r["rate"] / base["rate"]))
    print()
    print(
        f"memory per 1,000 idle connections: Kefu widget {kefu_mem / 2**20:.1f} MiB, "
        f"bare echo {echo_mem / 2**20:.1f} MiB (ratio {kefu_mem / max(echo_mem, 1):.1f}x), "
        f"measured with {args.idle} connections"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--idle", type=int, default=1000)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

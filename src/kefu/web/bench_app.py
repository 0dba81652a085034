"""``uvicorn --factory kefu.web.bench_app:app``: the app built from the environment's settings.

Production deployments use ``kefu serve``; this factory lets uvicorn's own process management
(workers, --reload) and the benchmarks start the same app.
"""

from __future__ import annotations

from fastapi import FastAPI

from kefu.core.settings import Settings
from kefu.web.app import create_app


def app() -> FastAPI:
    return create_app(Settings())
